// Tables the writer owns. Directus never sees them (DB_EXCLUDE_TABLES in the host, and they hold no user data).
export const WRITER_LEDGER_TABLE = 'activity_analytics_writer_ledger';
export const WRITER_COLLECTIONS_TABLE = 'activity_analytics_writer_collections';
export const DROPPED_TRIGGERS_TABLE = 'activity_analytics_dropped_triggers';
/** Event keys are UUIDs; revisions link to their parent through the parent's event key. */
export const EVENT_KEY_LENGTH = 36;
