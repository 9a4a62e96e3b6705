// Tasks the maintenance operation accepts; shared by the Flow editor options and the handler.
export const MAINTENANCE_TASKS = ['report'] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];
