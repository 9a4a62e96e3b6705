import type { Knex } from 'knex';
import { MAINTENANCE_TASKS, type MaintenanceTask } from '../../shared/maintenance-tasks';
import { readActivityTableStatus } from '../activity-table-status';

export interface MaintenanceReport {
	tasks: Partial<Record<MaintenanceTask, { durationMs: number; result: unknown }>>;
	warnings: string[];
}

export class MaintenanceOptionsError extends Error {}

/** Validates the operation's task list: an unknown task is named, never ignored. */
export function parseMaintenanceTasks(value: unknown): MaintenanceTask[] {
	const list = value === undefined || value === null ? ['report'] : Array.isArray(value) ? value : String(value).split(',');
	const tasks = list.map((task) => String(task).trim()).filter(Boolean);
	const unknown = tasks.filter((task) => !(MAINTENANCE_TASKS as readonly string[]).includes(task));
	if (unknown.length > 0) {
		throw new MaintenanceOptionsError(`Unknown maintenance task(s): ${unknown.join(', ')}. Known: ${MAINTENANCE_TASKS.join(', ')}.`);
	}
	if (tasks.length === 0) throw new MaintenanceOptionsError('Choose at least one maintenance task.');
	return tasks as MaintenanceTask[];
}

/** Runs each task in order and returns a JSON report later Flow operations can read. */
export async function runMaintenance(database: Knex, tasks: MaintenanceTask[]): Promise<MaintenanceReport> {
	const report: MaintenanceReport = { tasks: {}, warnings: [] };
	for (const task of tasks) {
		const started = performance.now();
		const result = task === 'report' ? await readActivityTableStatus(database) : null;
		report.tasks[task] = { durationMs: Math.round(performance.now() - started), result };
	}
	return report;
}
