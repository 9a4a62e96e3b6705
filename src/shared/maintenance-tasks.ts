// Tasks the maintenance operation accepts; shared by the Flow editor options and the handler.
export const MAINTENANCE_TASKS = ['refresh', 'report'] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];

export const MAINTENANCE_TASK_HELP: Record<MaintenanceTask, string> = {
	refresh: 'absorb new activity into the rollups (incremental; records newly suspicious actors)',
	report: 'row count and time span of directus_activity',
};
