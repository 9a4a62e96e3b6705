// Tasks the maintenance operation accepts; shared by the Flow editor options and the handler.
export const MAINTENANCE_TASKS = [
	'refresh',
	'retention',
	'anonymize',
	'erase',
	'analyze',
	'partitions',
	'report',
	'triggers-analyze',
	'triggers-plan',
	'triggers-validate',
] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

export const MAINTENANCE_TASK_HELP: Record<MaintenanceTask, string> = {
	refresh: 'absorb new activity into the rollups (incremental; records newly suspicious actors)',
	retention:
		'archive, then delete, raw activity and revisions older than "Keep days" (rollups keep their history; rows they have not absorbed are never deleted)',
	anonymize:
		'truncate IPs older than "Anonymize after days" to their /24 (IPv4) or /64 (IPv6) in activity, archive, failed logins, alerts and rollups',
	erase:
		'erase the activity and revisions of "Erase user" (live, archived, in rollups and the cache), for an erasure request',
	partitions: 'PostgreSQL: create the archive\'s monthly partitions ahead and drop those older than "Archive months"',
	analyze: 'refresh planner statistics of directus_activity and directus_revisions (VACUUM (ANALYZE) on PostgreSQL)',
	report: 'row count and time span of directus_activity',
	'triggers-analyze': 'list the database triggers on Directus collections, which write audit rows, and their cost',
	'triggers-plan': 'which collections to put under the batched writer and which audit triggers to drop',
	'triggers-validate':
		'compare what the audit triggers and the writer recorded since "Validate since" (default: the last 24 hours)',
};
