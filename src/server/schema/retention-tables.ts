// The archive retention moves old rows into: same columns as Directus's tables, plus when they were archived.
export const ARCHIVE_ACTIVITY_TABLE = 'activity_analytics_archive_activity';
export const ARCHIVE_REVISIONS_TABLE = 'activity_analytics_archive_revisions';
/** Last refresh of the user's materialized views (PostgreSQL), shown by /analytics/status. */
export const VIEW_REFRESHES_TABLE = 'activity_analytics_view_refreshes';

/** One row per NDJSON.gz file the `files` archive mode saved; written in the same transaction as the delete. */
export const ARCHIVE_FILES_TABLE = 'activity_analytics_archive_files';
