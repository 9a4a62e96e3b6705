import type { AnalyticsRuntime } from '../services/analytics-runtime';
import {
	MIGRATOR_CONFIG,
	migrateDown,
	migrateDownLast,
	migrateUp,
	migrationStatus,
} from '../migrations/run-migrations';
import { refreshRollups } from '../rollup/refresh-rollups';
import { backfillRollups } from '../rollup/backfill-rollups';
import { readRollupState } from '../rollup/rollup-state';
import { disableWriter, enableWriter, listWriterCollections, type SwapDeps } from '../writer/swap-collections';
import { analyzeTriggers, planTriggerReplacement } from '../triggers/analyze-triggers';
import { dropAuditTriggers, restoreTriggers } from '../triggers/apply-triggers';
import { validateTriggerReplacement } from '../triggers/validate-triggers';
import {
	managePartitions,
	parsePrivacySettings,
	parseRetentionSettings,
	parseViewList,
	runCheckedRetention,
	runErase,
} from '../services/run-maintenance';
import { runAnonymize } from '../privacy/anonymize-activity';
import type { ArchiveFileStore } from '../retention/archive-files';
import { refreshMaterializedViews } from '../maintenance/refresh-materialized-views';
import { analyzeActivityTables } from '../retention/analyze-tables';
import { ARCHIVE_ACTIVITY_TABLE } from '../schema/retention-tables';
import { createProgressBar } from './progress-bar';

interface Command {
	command(name: string): Command;
	description(text: string): Command;
	option(flags: string, description: string, defaultValue?: string): Command;
	argument(name: string, description: string): Command;
	action(handler: (...args: never[]) => Promise<void>): Command;
}

async function finish(work: () => Promise<void>): Promise<never> {
	try {
		await work();
		process.exit(0);
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
		process.exit(1);
	}
}

function positiveInteger(value: string, flag: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number (got "${value}")`);
	return n;
}

/** `npx directus analytics <command>`: the same logic the endpoint and the operation use. */
export function registerAnalyticsCli(
	program: Command,
	runtime: AnalyticsRuntime,
	swap: SwapDeps,
	files: ArchiveFileStore,
): void {
	const analytics = program.command('analytics').description('Activity analytics: rollups and migrations');
	analytics
		.command('backfill')
		.description('Rebuild every rollup from scratch (archived rows included), with a progress bar')
		.option('--batch-size <rows>', 'rows per transaction', '50000')
		.action(async (options: { batchSize: string }) =>
			finish(async () => {
				await runtime.ready;
				const batchSize = positiveInteger(options.batchSize, '--batch-size');
				let bar: ReturnType<typeof createProgressBar> | undefined;
				const result = await backfillRollups(runtime.database, batchSize, {
					start: (total) => (bar = createProgressBar('backfill', total)),
					update: (done) => bar?.update(done),
				});
				bar?.finish();
				process.stdout.write(`${JSON.stringify(result)}\n`);
			}),
		);
	analytics
		.command('refresh')
		.description('Absorb the rows added since the last refresh, then refresh the given materialized views')
		.option('--views <names>', 'PostgreSQL materialized views to refresh after the rollups (comma-separated)')
		.action(async (options: { views?: string }) =>
			finish(async () => {
				await runtime.ready;
				const result = await refreshRollups(runtime.database, { maxBatches: Number.POSITIVE_INFINITY });
				const views = await refreshMaterializedViews(runtime.database, parseViewList(options.views));
				process.stdout.write(`${JSON.stringify({ ...result, views })}\n`);
			}),
		);
	analytics
		.command('migrate')
		.description('Our migrations: up, down, status, or unlock (free a lock a killed process left behind)')
		.argument('<direction>', 'up | down | status | unlock')
		.option('--last', 'down: revert only the most recent migration')
		.action(async (direction: string, options: { last?: boolean }) =>
			finish(async () => {
				if (direction === 'unlock') {
					await runtime.database.migrate.forceFreeMigrationsLock(MIGRATOR_CONFIG);
					return void process.stdout.write(`${JSON.stringify({ unlocked: true })}\n`);
				}
				await runtime.ready.catch(() => undefined);
				if (direction === 'up')
					process.stdout.write(`${JSON.stringify({ applied: await migrateUp(runtime.database) })}\n`);
				else if (direction === 'down')
					process.stdout.write(
						`${JSON.stringify({ reverted: options.last ? await migrateDownLast(runtime.database) : await migrateDown(runtime.database) })}\n`,
					);
				else if (direction === 'status')
					process.stdout.write(`${JSON.stringify(await migrationStatus(runtime.database))}\n`);
				else throw new Error(`Unknown direction "${direction}": use up, down, status or unlock.`);
			}),
		);
	analytics
		.command('status')
		.description('Print the rollup watermark and last refresh')
		.action(async () =>
			finish(async () => {
				await runtime.ready;
				process.stdout.write(`${JSON.stringify(await readRollupState(runtime.database))}\n`);
			}),
		);
	analytics
		.command('writer')
		.description(
			'Put collections under the batched writer (enable), give them back to Directus (disable), or list them',
		)
		.argument('<command>', 'enable | disable | list')
		.argument('[collections...]', 'collection names, or * for every user collection')
		.action(async (command: string, collections: string[]) =>
			finish(async () => {
				await runtime.ready;
				const requested = collections.length === 1 && collections[0] === '*' ? 'all' : collections;
				if (command === 'list') {
					process.stdout.write(`${JSON.stringify(await listWriterCollections(runtime.database))}\n`);
					return;
				}
				if (command !== 'enable' && command !== 'disable')
					throw new Error(`Unknown writer command "${command}": use enable, disable or list.`);
				if (requested !== 'all' && requested.length === 0)
					throw new Error(`writer ${command} needs collection names (or *).`);
				const result =
					command === 'enable' ? await enableWriter(swap, requested) : await disableWriter(swap, requested);
				process.stdout.write(`${JSON.stringify(result)}\n`);
			}),
		);
	analytics
		.command('triggers')
		.description(
			'Legacy audit triggers: analyze, plan, validate (after a parallel run), apply (drop them, saving their SQL), restore',
		)
		.argument('<command>', 'analyze | plan | validate | apply | restore')
		.option('--since <iso>', 'validate: compare from this moment (default: 24 hours ago)')
		.option('--only <names>', 'apply: drop only these triggers (comma-separated)')
		.action(async (command: string, options: { since?: string; only?: string }) =>
			finish(async () => {
				await runtime.ready;
				const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
				if (command === 'analyze') return print(await analyzeTriggers(runtime.database));
				if (command === 'plan') return print(await planTriggerReplacement(runtime.database));
				if (command === 'validate') {
					const since = options.since ? new Date(options.since) : new Date(Date.now() - 86_400_000);
					if (Number.isNaN(since.getTime())) throw new Error(`--since must be an ISO date (got "${options.since}")`);
					const validation = await validateTriggerReplacement(runtime.database, since);
					print(validation);
					if (!validation.allMatch)
						throw new Error('audit triggers and the writer recorded different counts (see rows above)');
					return;
				}
				if (command === 'apply')
					return print(
						await dropAuditTriggers(
							runtime.database,
							options.only
								?.split(',')
								.map((n) => n.trim())
								.filter(Boolean),
						),
					);
				if (command === 'restore') return print(await restoreTriggers(runtime.database));
				throw new Error(`Unknown triggers command "${command}": use analyze, plan, validate, apply or restore.`);
			}),
		);
	analytics
		.command('retention')
		.description(
			'Archive, then delete, raw activity and revisions older than --days (rollups keep their history), with a progress bar',
		)
		.option('--days <n>', 'keep this many days', '90')
		.option('--batch-size <rows>', 'rows per transaction', '5000')
		.option('--archive <mode>', 'archive (tables) | files (NDJSON.gz in Directus storage) | none', 'archive')
		.option('--archive-months <n>', 'archived rows and files older than this many months expire (0 keeps them)', '24')
		.option('--before <date>', 'a fixed cutoff instead of --days: rows before this ISO date go')
		.option('--dry-run', 'only count what would go')
		.action(
			async (options: {
				days: string;
				batchSize: string;
				archive: string;
				archiveMonths: string;
				before?: string;
				dryRun?: boolean;
			}) =>
				finish(async () => {
					await runtime.ready;
					const settings = parseRetentionSettings({
						keep_days: options.days,
						batch_size: options.batchSize,
						archive: options.archive,
						archive_months: options.archiveMonths,
						dry_run: options.dryRun === true,
					});
					const before = options.before === undefined ? undefined : Date.parse(options.before);
					if (before !== undefined && Number.isNaN(before))
						throw new Error(`--before must be an ISO date (got "${options.before}")`);
					// One clock for the preview and the run, so both name the same cutoff.
					const cutoff = { now: Date.now(), ...(before === undefined ? {} : { before }) };
					const preview = await runCheckedRetention(runtime, { ...settings, dryRun: true }, files, cutoff);
					if (settings.dryRun) return void process.stdout.write(`${JSON.stringify(preview)}\n`);
					const bar = createProgressBar('retention', preview.activityDeleted);
					const result = await runCheckedRetention(runtime, settings, files, {
						...cutoff,
						onProgress: (done) => bar.update(done),
					});
					bar.finish();
					process.stdout.write(`${JSON.stringify(result)}\n`);
				}),
		);
	analytics
		.command('anonymize')
		.description(
			'Truncate IPs older than --days to their /24 (IPv4) or /64 (IPv6): activity, archive, failed logins, alerts and rollups',
		)
		.option('--days <n>', 'anonymize IPs recorded before this many days ago', '30')
		.option('--batch-size <rows>', 'rows per transaction', '5000')
		.action(async (options: { days: string; batchSize: string }) =>
			finish(async () => {
				await runtime.ready;
				const { anonymizeDays } = parsePrivacySettings({ anonymize_days: options.days }, ['anonymize']);
				const batchSize = parseRetentionSettings({ batch_size: options.batchSize }).batchSize;
				// Counted in days: the run covers the days since the last run, and only it knows where that is.
				const progress: { bar?: ReturnType<typeof createProgressBar> } = {};
				const onProgress = (daysDone: number, daysTotal: number) => {
					progress.bar ??= createProgressBar('anonymize (days)', daysTotal);
					progress.bar.update(daysDone);
				};
				const result = await runAnonymize(runtime.database, {
					olderThanDays: anonymizeDays,
					batchSize,
					files,
					onProgress,
				});
				progress.bar?.finish();
				await runtime.cache.clear();
				process.stdout.write(`${JSON.stringify(result)}\n`);
			}),
		);
	analytics
		.command('erase')
		.description(
			"Erase one user's activity and revisions (live, archived, archive files, rollups, cache) for an erasure request",
		)
		.argument('<user>', 'the user id')
		.option('--batch-size <rows>', 'rows per transaction', '5000')
		.action(async (user: string, options: { batchSize: string }) =>
			finish(async () => {
				await runtime.ready;
				const { eraseUser } = parsePrivacySettings({ erase_user: user }, ['erase']);
				const batchSize = parseRetentionSettings({ batch_size: options.batchSize }).batchSize;
				const rowsOfUser = async (table: string) =>
					Number(
						(await runtime.database(table).where({ user: eraseUser }).count<{ n: number | string }[]>({ n: '*' }))[0]
							?.n ?? 0,
					);
				const bar = createProgressBar(
					'erase',
					(await rowsOfUser('directus_activity')) + (await rowsOfUser(ARCHIVE_ACTIVITY_TABLE)),
				);
				const result = await runErase(runtime, eraseUser ?? '', batchSize, files, (done) => bar.update(done));
				bar.finish();
				process.stdout.write(`${JSON.stringify(result)}\n`);
			}),
		);
	analytics
		.command('partitions')
		.description(
			"PostgreSQL: create the archive's monthly partitions ahead, drop those older than --archive-months, list them",
		)
		.option('--archive-months <n>', 'months of archive to keep (0 keeps all)', '24')
		.action(async (options: { archiveMonths: string }) =>
			finish(async () => {
				await runtime.ready;
				const settings = parseRetentionSettings({ archive_months: options.archiveMonths });
				process.stdout.write(`${JSON.stringify(await managePartitions(runtime, settings))}\n`);
			}),
		);
	analytics
		.command('analyze')
		.description('Refresh planner statistics of directus_activity and directus_revisions')
		.action(async () =>
			finish(async () => {
				await runtime.ready;
				process.stdout.write(`${JSON.stringify(await analyzeActivityTables(runtime.database))}\n`);
			}),
		);
}
