import { MAINTENANCE_TASKS, type MaintenanceTask } from '../../shared/maintenance-tasks';
import { readActivityTableStatus } from '../activity-table-status';
import type { AnalyticsRuntime } from '../analytics-runtime';
import type { AlertSink } from '../rollup/detect-new-suspicious';
import { runRefresh } from '../rollup/run-refresh';
import { analyzeTriggers, planTriggerReplacement } from '../triggers/analyze-triggers';
import { validateTriggerReplacement } from '../triggers/validate-triggers';

export interface MaintenanceOptions {
	/** triggers-validate compares from here (default: 24 hours ago). */
	since?: Date;
}

/** The operation's "Validate since" option: empty, or an ISO date. */
export function parseSince(value: unknown): Date | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const date = new Date(String(value));
	if (Number.isNaN(date.getTime())) throw new MaintenanceOptionsError(`"since" must be an ISO date (got "${String(value)}").`);
	return date;
}

export interface MaintenanceReport {
	tasks: Partial<Record<MaintenanceTask, { durationMs: number; result: unknown }>>;
	rolledUp: number;
	warnings: string[];
}

export class MaintenanceOptionsError extends Error {}

/** Validates the operation's task list: an unknown task is named, never ignored. */
export function parseMaintenanceTasks(value: unknown): MaintenanceTask[] {
	const list = value === undefined || value === null ? ['refresh'] : Array.isArray(value) ? value : String(value).split(',');
	const tasks = list.map((task) => String(task).trim()).filter(Boolean);
	const unknown = tasks.filter((task) => !(MAINTENANCE_TASKS as readonly string[]).includes(task));
	if (unknown.length > 0) {
		throw new MaintenanceOptionsError(`Unknown maintenance task(s): ${unknown.join(', ')}. Known: ${MAINTENANCE_TASKS.join(', ')}.`);
	}
	if (tasks.length === 0) throw new MaintenanceOptionsError('Choose at least one maintenance task.');
	return [...new Set(tasks)] as MaintenanceTask[];
}

/** Runs each task in order and returns a JSON report later Flow operations can read. */
export async function runMaintenance(runtime: AnalyticsRuntime, tasks: MaintenanceTask[], alertSink?: AlertSink, options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
	await runtime.ready;
	const report: MaintenanceReport = { tasks: {}, rolledUp: 0, warnings: [] };
	for (const task of tasks) {
		const started = performance.now();
		let result: unknown;
		if (task === 'refresh') {
			const refreshed = await runRefresh(runtime, alertSink ? { alertSink } : {});
			report.rolledUp += refreshed.rows;
			if (refreshed.gapsOpen > 0) report.warnings.push(`${refreshed.gapsOpen} activity id(s) below the watermark are still awaited (open transactions or rollbacks).`);
			result = refreshed;
		} else if (task === 'triggers-analyze') {
			result = await analyzeTriggers(runtime.database);
		} else if (task === 'triggers-plan') {
			result = await planTriggerReplacement(runtime.database);
		} else if (task === 'triggers-validate') {
			const validation = await validateTriggerReplacement(runtime.database, options.since ?? new Date(Date.now() - 86_400_000));
			if (!validation.allMatch) report.warnings.push('audit triggers and the writer recorded different counts; see tasks["triggers-validate"].rows');
			report.warnings.push(...validation.warnings);
			result = validation;
		} else {
			result = await readActivityTableStatus(runtime.database);
		}
		report.tasks[task] = { durationMs: Math.round(performance.now() - started), result };
	}
	return report;
}
