import { MAINTENANCE_TASKS } from './maintenance-tasks';

// One check of the operation's options, shown in the Flow editor as you type and enforced by the handler.
export interface MaintenanceOptionValues {
	tasks?: unknown;
	keep_days?: unknown;
	batch_size?: unknown;
	archive?: unknown;
	archive_months?: unknown;
	anonymize_days?: unknown;
	erase_user?: unknown;
	since?: unknown;
}

/** A Directus user id. */
export const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isEmpty(value: unknown): boolean {
	return value === undefined || value === null || value === '';
}

function checkInteger(value: unknown, name: string, min: number, max: number, problems: string[]): void {
	if (isEmpty(value)) return;
	const n = Number(value);
	if (!Number.isInteger(n) || n < min || n > max)
		problems.push(`"${name}" must be a whole number from ${min} to ${max} (got "${String(value)}")`);
}

export function taskList(value: unknown): string[] {
	const list = isEmpty(value) ? ['refresh'] : Array.isArray(value) ? value : String(value).split(',');
	return list.map((task) => String(task).trim()).filter(Boolean);
}

/** Every problem with the options, each naming the option; empty when they are fine. */
export function maintenanceOptionProblems(options: MaintenanceOptionValues): string[] {
	const problems: string[] = [];
	const tasks = taskList(options.tasks);
	const unknown = tasks.filter((task) => !(MAINTENANCE_TASKS as readonly string[]).includes(task));
	if (unknown.length > 0)
		problems.push(`Unknown maintenance task(s): ${unknown.join(', ')}. Known: ${MAINTENANCE_TASKS.join(', ')}.`);
	if (tasks.length === 0) problems.push('Choose at least one maintenance task.');
	checkInteger(options.keep_days, 'keep_days', 1, 36_500, problems);
	checkInteger(options.batch_size, 'batch_size', 100, 100_000, problems);
	checkInteger(options.archive_months, 'archive_months', 0, 1_200, problems);
	checkInteger(options.anonymize_days, 'anonymize_days', 1, 36_500, problems);
	if (!isEmpty(options.archive) && !['archive', 'files', 'none'].includes(String(options.archive)))
		problems.push(`"archive" must be archive, files or none (got "${String(options.archive)}")`);
	const user = isEmpty(options.erase_user) ? '' : String(options.erase_user).trim();
	if (tasks.includes('erase') && user === '') problems.push('"erase_user" is required for the erase task');
	if (user !== '' && !USER_ID.test(user)) problems.push(`"erase_user" must be a user id (a UUID), got "${user}"`);
	if (!isEmpty(options.since) && Number.isNaN(new Date(String(options.since)).getTime()))
		problems.push(`"since" must be an ISO date (got "${String(options.since)}").`);
	return problems;
}
