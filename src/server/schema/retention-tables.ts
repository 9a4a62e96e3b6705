// The archive retention moves old rows into: same columns as Directus's tables, plus when they were archived.
export const ARCHIVE_ACTIVITY_TABLE = 'activity_analytics_archive_activity';
export const ARCHIVE_REVISIONS_TABLE = 'activity_analytics_archive_revisions';
/** Last refresh of the user's materialized views (PostgreSQL), shown by /analytics/status. */
export const VIEW_REFRESHES_TABLE = 'activity_analytics_view_refreshes';

/** Indexes our migrations add to Directus's tables (activity pages, revision sidebars, retention, rollup reads). */
export const ACTIVITY_INDEXES = [
	{ name: 'activity_analytics_activity_collection_item', table: 'directus_activity', columns: ['collection', 'item'] },
	{ name: 'activity_analytics_activity_user_timestamp', table: 'directus_activity', columns: ['user', 'timestamp'] },
	{ name: 'activity_analytics_revisions_collection_item', table: 'directus_revisions', columns: ['collection', 'item'] },
	{ name: 'activity_analytics_revisions_activity', table: 'directus_revisions', columns: ['activity'] },
	{ name: 'activity_analytics_revisions_parent', table: 'directus_revisions', columns: ['parent'] },
] as const;
/** One row per NDJSON.gz file the `files` archive mode saved; written in the same transaction as the delete. */
export const ARCHIVE_FILES_TABLE = 'activity_analytics_archive_files';
/** Retention and anonymization read directus_activity by time; the activity page sorts by it too. */
export const ACTIVITY_TIMESTAMP_INDEXES = [{ name: 'activity_analytics_activity_timestamp', table: 'directus_activity', columns: ['timestamp'] }] as const;
