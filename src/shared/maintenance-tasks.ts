// Tasks the maintenance operation accepts; shared by the Flow editor options and the handler.
export const MAINTENANCE_TASKS = ['refresh', 'report', 'triggers-analyze', 'triggers-plan', 'triggers-validate'] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

export const MAINTENANCE_TASK_HELP: Record<MaintenanceTask, string> = {
	refresh: 'absorb new activity into the rollups (incremental; records newly suspicious actors)',
	report: 'row count and time span of directus_activity',
	'triggers-analyze': 'list the database triggers on Directus collections, which write audit rows, and their cost',
	'triggers-plan': 'which collections to put under the batched writer and which audit triggers to drop',
	'triggers-validate': "compare what the audit triggers and the writer recorded since \"Validate since\" (default: the last 24 hours)",
};
