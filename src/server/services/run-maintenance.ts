import { MAINTENANCE_TASKS, type MaintenanceTask } from '../../shared/maintenance-tasks';
import { readActivityTableStatus } from './activity-table-status';
import type { AnalyticsRuntime } from './analytics-runtime';
import type { AlertSinks } from './alert-sink';
import { runRefresh } from './refresh-job';
import { analyzeTriggers, planTriggerReplacement } from '../triggers/analyze-triggers';
import { validateTriggerReplacement } from '../triggers/validate-triggers';
import { analyzeActivityTables } from '../retention/analyze-tables';
import { runRetention, type ArchiveMode, type RetentionReport } from '../retention/run-retention';
import type { ArchiveFileStore } from '../retention/archive-files';
import {
	archiveCutoff,
	dropPartitionsBefore,
	ensureMonthPartitions,
	listMonthPartitions,
} from '../retention/archive-partitions';
import { runAnonymize } from '../privacy/anonymize-activity';
import { EraseError, eraseUser } from '../privacy/erase-user';
import { eraseFromArchiveFiles } from '../privacy/erase-from-archive-files';
import { dialectOf } from '../schema/dialect';
import { ARCHIVE_FILES_TABLE } from '../schema/retention-tables';
import { isEmpty, maintenanceOptionProblems, type MaintenanceOptionValues } from '../../shared/maintenance-options';
import { readRollupLag } from '../rollup/rollup-lag';
import type { RollupStatus } from '../../shared/status';
import {
	refreshMaterializedViews,
	UnknownViewError,
	type ViewRefresh,
} from '../maintenance/refresh-materialized-views';

export interface MaintenanceOptions {
	/** triggers-validate compares from here (default: 24 hours ago). */
	since?: Date;
	retention?: RetentionSettings;
	/** PostgreSQL materialized views the `refresh` task refreshes after the rollups. */
	views?: string[];
	privacy?: PrivacySettings;
	/** Directus file storage, for the `files` archive mode and erasing from its files. */
	files?: ArchiveFileStore;
}

export interface PrivacySettings {
	/** `anonymize`: IPs older than this many days. */
	anonymizeDays: number;
	/** `erase`: the user whose trail goes. */
	eraseUser: string | null;
}

export const PRIVACY_DEFAULTS: PrivacySettings = { anonymizeDays: 30, eraseUser: null };

/** The operation's anonymize and erase options; the user is required only when `erase` runs. */
export function parsePrivacySettings(
	options: { anonymize_days?: unknown; erase_user?: unknown },
	tasks: readonly string[],
): PrivacySettings {
	throwProblems({ anonymize_days: options.anonymize_days, erase_user: options.erase_user, tasks: [...tasks] });
	const user = isEmpty(options.erase_user) ? '' : String(options.erase_user).trim();
	return {
		anonymizeDays: isEmpty(options.anonymize_days) ? PRIVACY_DEFAULTS.anonymizeDays : Number(options.anonymize_days),
		eraseUser: user === '' ? null : user,
	};
}

/** The shared check (the same one the Flow editor shows), as one error naming every bad option. */
function throwProblems(options: MaintenanceOptionValues): void {
	const problems = maintenanceOptionProblems(options);
	if (problems.length > 0) throw new MaintenanceOptionsError(problems.join('; '));
}

/** The operation's "Materialized views" option: a list or comma-separated names. */
export function parseViewList(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	const list = Array.isArray(value) ? value.map(String) : String(value).split(',');
	return [...new Set(list.map((v) => v.trim()).filter(Boolean))];
}

export interface RetentionSettings {
	keepDays: number;
	batchSize: number;
	mode: ArchiveMode;
	/** Archive older than this many months expires; 0 keeps it. */
	archiveMonths: number;
	dryRun: boolean;
}

export const RETENTION_DEFAULTS: RetentionSettings = {
	keepDays: 90,
	batchSize: 5000,
	mode: 'archive',
	archiveMonths: 24,
	dryRun: false,
};

/** The operation's retention options, each checked and named when wrong. */
export function parseRetentionSettings(options: {
	keep_days?: unknown;
	batch_size?: unknown;
	archive?: unknown;
	archive_months?: unknown;
	dry_run?: unknown;
}): RetentionSettings {
	throwProblems({
		keep_days: options.keep_days,
		batch_size: options.batch_size,
		archive: options.archive,
		archive_months: options.archive_months,
	});
	const integer = (value: unknown, fallback: number) => (isEmpty(value) ? fallback : Number(value));
	return {
		keepDays: integer(options.keep_days, RETENTION_DEFAULTS.keepDays),
		batchSize: integer(options.batch_size, RETENTION_DEFAULTS.batchSize),
		mode: (isEmpty(options.archive) ? 'archive' : String(options.archive)) as ArchiveMode,
		archiveMonths: integer(options.archive_months, RETENTION_DEFAULTS.archiveMonths),
		dryRun: options.dry_run === true || options.dry_run === 'true',
	};
}

/** The operation's "Validate since" option: empty, or an ISO date. */
export function parseSince(value: unknown): Date | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const date = new Date(String(value));
	if (Number.isNaN(date.getTime()))
		throw new MaintenanceOptionsError(`"since" must be an ISO date (got "${String(value)}").`);
	return date;
}

export interface MaintenanceReport {
	tasks: Partial<Record<MaintenanceTask, { durationMs: number; result: unknown }>>;
	rolledUp: number;
	archived: number;
	deleted: number;
	anonymized: number;
	erased: number;
	warnings: string[];
}

export class MaintenanceOptionsError extends Error {}

/** Validates the operation's task list: an unknown task is named, never ignored. */
export function parseMaintenanceTasks(value: unknown): MaintenanceTask[] {
	const list =
		value === undefined || value === null ? ['refresh'] : Array.isArray(value) ? value : String(value).split(',');
	const tasks = list.map((task) => String(task).trim()).filter(Boolean);
	const unknown = tasks.filter((task) => !(MAINTENANCE_TASKS as readonly string[]).includes(task));
	if (unknown.length > 0) {
		throw new MaintenanceOptionsError(
			`Unknown maintenance task(s): ${unknown.join(', ')}. Known: ${MAINTENANCE_TASKS.join(', ')}.`,
		);
	}
	if (tasks.length === 0) throw new MaintenanceOptionsError('Choose at least one maintenance task.');
	return [...new Set(tasks)] as MaintenanceTask[];
}

interface TaskContext {
	runtime: AnalyticsRuntime;
	report: MaintenanceReport;
	options: MaintenanceOptions;
	alerts: AlertSinks | undefined;
}

/** One runner per task; each adds its figures and warnings to the report and returns its own result. */
const TASK_RUNNERS: Record<MaintenanceTask, (context: TaskContext) => Promise<unknown>> = {
	refresh: async ({ runtime, report, options, alerts }) => {
		const refreshed = await runRefresh(runtime, alerts ? { alerts } : {});
		report.rolledUp += refreshed.rows;
		if (refreshed.gapsOpen > 0)
			report.warnings.push(
				`${refreshed.gapsOpen} activity id(s) below the watermark are still awaited (open transactions or rollbacks).`,
			);
		let views: ViewRefresh[] = [];
		try {
			views = await refreshMaterializedViews(runtime.database, options.views ?? []);
		} catch (error) {
			if (error instanceof UnknownViewError) throw new MaintenanceOptionsError(error.message);
			throw error;
		}
		return { ...refreshed, views };
	},
	retention: async ({ runtime, report, options }) => {
		const retention = await runCheckedRetention(runtime, options.retention ?? RETENTION_DEFAULTS, options.files);
		report.archived += retention.activityArchived + retention.revisionsArchived;
		report.deleted += retention.activityDeleted + retention.revisionsDeleted;
		if (retention.keptUnabsorbed > 0)
			report.warnings.push(`${retention.keptUnabsorbed} old row(s) kept: the rollups have not absorbed them yet.`);
		return retention;
	},
	anonymize: async ({ runtime, report, options }) => {
		const anonymized = await runAnonymize(runtime.database, {
			olderThanDays: (options.privacy ?? PRIVACY_DEFAULTS).anonymizeDays,
			batchSize: options.retention?.batchSize ?? RETENTION_DEFAULTS.batchSize,
			...(options.files ? { files: options.files } : {}),
		});
		report.anonymized +=
			anonymized.activityAnonymized + anonymized.archiveAnonymized + anonymized.failedLoginsAnonymized;
		if (anonymized.from !== null) await runtime.cache.clear();
		return anonymized;
	},
	erase: async ({ runtime, report, options }) => {
		const erased = await runErase(
			runtime,
			options.privacy?.eraseUser ?? '',
			options.retention?.batchSize ?? RETENTION_DEFAULTS.batchSize,
			options.files,
		);
		report.erased += erased.activityErased + erased.archivedActivityErased + (erased.files?.activityErased ?? 0);
		if (erased.warning) report.warnings.push(erased.warning);
		return erased;
	},
	partitions: async ({ runtime, report, options }) => {
		const result = await managePartitions(runtime, options.retention ?? RETENTION_DEFAULTS);
		if (!result.supported)
			report.warnings.push(
				'monthly archive partitions need PostgreSQL; here retention expires archived rows with batched deletes',
			);
		return result;
	},
	analyze: ({ runtime }) => analyzeActivityTables(runtime.database),
	'triggers-analyze': ({ runtime }) => analyzeTriggers(runtime.database),
	'triggers-plan': ({ runtime }) => planTriggerReplacement(runtime.database),
	'triggers-validate': async ({ runtime, report, options }) => {
		const validation = await validateTriggerReplacement(
			runtime.database,
			options.since ?? new Date(Date.now() - 86_400_000),
		);
		if (!validation.allMatch)
			report.warnings.push(
				'audit triggers and the writer recorded different counts; see tasks["triggers-validate"].rows',
			);
		report.warnings.push(...validation.warnings);
		return validation;
	},
	report: ({ runtime }) => readActivityTableStatus(runtime.database),
};

/** Runs each task in order and returns a JSON report later Flow operations can read. */
export async function runMaintenance(
	runtime: AnalyticsRuntime,
	tasks: MaintenanceTask[],
	alerts?: AlertSinks,
	options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
	await runtime.ready;
	const report: MaintenanceReport = {
		tasks: {},
		rolledUp: 0,
		archived: 0,
		deleted: 0,
		anonymized: 0,
		erased: 0,
		warnings: [],
	};
	for (const task of tasks) {
		const started = performance.now();
		const result = await TASK_RUNNERS[task]({ runtime, report, options, alerts });
		report.tasks[task] = { durationMs: Math.round(performance.now() - started), result };
	}
	return report;
}

/** Erasure as the operation and the CLI run it: an unknown user is a bad option; the cache is cleared after. */
export async function runErase(
	runtime: AnalyticsRuntime,
	user: string,
	batchSize: number,
	files?: ArchiveFileStore,
	onProgress?: (rows: number) => void,
) {
	try {
		const erased = await eraseUser(runtime.database, { user, batchSize, ...(onProgress ? { onProgress } : {}) });
		let fileErasure = null;
		let warning: string | null = null;
		if (files) fileErasure = await eraseFromArchiveFiles(runtime.database, files, erased.user);
		else {
			const archivedInFiles = Number((await runtime.database(ARCHIVE_FILES_TABLE).count({ n: '*' }).first())?.n ?? 0);
			if (archivedInFiles > 0)
				warning = `${archivedInFiles} NDJSON archive file(s) were not searched: file storage is not available here`;
		}
		await runtime.cache.clear();
		return { ...erased, files: fileErasure, warning };
	} catch (error) {
		if (error instanceof EraseError) throw new MaintenanceOptionsError(error.message);
		throw error;
	}
}

/** PostgreSQL: the archive's monthly partitions for this month and the next two, and those past the archive horizon dropped. */
export async function managePartitions(runtime: AnalyticsRuntime, settings: RetentionSettings, now = Date.now()) {
	if (!dialectOf(runtime.database).partitionsArchive)
		return { supported: false, created: [], dropped: [], partitions: [] };
	const created = await ensureMonthPartitions(
		runtime.database,
		Math.floor(now / 1000),
		Math.floor(now / 1000) + 62 * 86_400,
	);
	const dropped =
		settings.archiveMonths > 0
			? await dropPartitionsBefore(runtime.database, archiveCutoff(now, settings.archiveMonths))
			: [];
	const partitions = (await listMonthPartitions(runtime.database)).map((p) => p.name);
	return { supported: true, created, dropped, partitions };
}

/**
 * Why a retention keeping `keptSeconds` must not run, or null. Rows the rollups have not absorbed are kept
 * anyway, but rows waiting on a refresh that stopped longer ago than that window is a configuration error worth
 * stopping for. Measured from the last refresh, not from the rows' timestamps: a back-dated import is new rows,
 * not lag.
 */
export function retentionLagRefusal(
	lag: Pick<RollupStatus, 'lagRows' | 'stalenessSeconds'>,
	keptSeconds: number,
): string | null {
	if (lag.lagRows === 0 || lag.stalenessSeconds === null || lag.stalenessSeconds <= keptSeconds) return null;
	const days = (seconds: number) => `${Math.max(0, Math.round((seconds / 86_400) * 10) / 10)} day(s)`;
	return `The rollups were last refreshed ${days(lag.stalenessSeconds)} ago, longer than the ${days(keptSeconds)} this retention keeps, and ${lag.lagRows} row(s) wait for them: refresh the rollups first.`;
}

export interface RetentionRun {
	now?: number;
	/** A fixed cutoff (epoch ms) instead of now minus keepDays. */
	before?: number;
	onProgress?: (done: number) => void;
}

/**
 * Retention as the operation, the built-in schedule and the CLI run it: refused while the rollups are further
 * behind than the window it keeps, cache cleared after.
 */
export async function runCheckedRetention(
	runtime: AnalyticsRuntime,
	settings: RetentionSettings,
	files?: ArchiveFileStore,
	run: RetentionRun = {},
): Promise<RetentionReport> {
	const now = run.now ?? Date.now();
	const keptSeconds = (now - (run.before ?? now - settings.keepDays * 86_400_000)) / 1000;
	const refusal = retentionLagRefusal(await readRollupLag(runtime.database, now), keptSeconds);
	if (refusal) throw new MaintenanceOptionsError(refusal);
	if (settings.mode === 'files' && !files)
		throw new MaintenanceOptionsError(
			'The "files" archive mode needs Directus file storage, which is not available here.',
		);
	const retention = await runRetention(runtime.database, {
		...settings,
		now,
		...(run.before === undefined ? {} : { before: run.before }),
		...(run.onProgress ? { onProgress: run.onProgress } : {}),
		...(files ? { files } : {}),
	});
	if (!settings.dryRun && retention.activityDeleted > 0) await runtime.cache.clear();
	return retention;
}
