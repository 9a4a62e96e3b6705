import { gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import { dialectOf, epochMsOf, type Dialect } from '../schema/dialect';
import { utcHourOf } from '../rollup/close-buckets';
import { readUnabsorbed } from '../rollup/rollup-state';
import type { ArchiveFileStore } from './archive-files';
import { archiveCutoff, dropPartitionsBefore, ensureMonthPartitions } from './archive-partitions';
import { ARCHIVE_ACTIVITY_TABLE, ARCHIVE_FILES_TABLE, ARCHIVE_REVISIONS_TABLE } from '../schema/retention-tables';

export type ArchiveMode = 'archive' | 'files' | 'none';

export interface RetentionOptions {
	/** Raw activity and revisions older than this many days go. */
	keepDays: number;
	batchSize: number;
	dryRun: boolean;
	/** 'archive': into the archive tables; 'files': NDJSON.gz files in Directus's storage; 'none': only delete. */
	mode: ArchiveMode;
	/** Archived rows and files older than this many months expire (0 keeps them for ever). */
	archiveMonths: number;
	/** Required for mode 'files', and to expire archive files whatever the mode. */
	files?: ArchiveFileStore;
	now?: number;
	/** A fixed cutoff (epoch ms) instead of now minus keepDays. */
	before?: number;
	onProgress?: (done: number) => void;
}

export interface RetentionReport {
	cutoff: string;
	mode: ArchiveMode;
	activityArchived: number;
	revisionsArchived: number;
	activityDeleted: number;
	revisionsDeleted: number;
	/** Rows old enough to go but not yet absorbed by the rollups: kept until they are. */
	keptUnabsorbed: number;
	batches: number;
	archiveFiles: string[];
	/** Files a crashed run saved but never recorded (their rows were not deleted): removed. */
	orphanFilesRemoved: number;
	/** What expired from the archive (older than archiveMonths). */
	archiveExpired: { before: string | null; rows: number; partitions: string[]; files: number };
	dryRun: boolean;
	durationMs: number;
}

const ACTIVITY_COLUMNS = ['id', 'action', 'user', 'timestamp', 'ip', 'user_agent', 'collection', 'item', 'origin'];
const REVISION_COLUMNS = ['id', 'activity', 'collection', 'item', 'data', 'delta', 'parent', 'version'];

function q(dialect: Dialect, name: string): string {
	return dialect.quote(name);
}

/**
 * Archive-then-delete in small batches, one transaction each: revisions first (nulling `parent` links to
 * them, as Directus does), then their activity rows. Only rows the rollups have absorbed (at or below the
 * watermark, not in an open gap) are touched, so dashboards keep their history. A crash at any point leaves
 * each batch either wholly done or untouched; running again continues.
 */
export async function runRetention(database: Knex, options: RetentionOptions): Promise<RetentionReport> {
	const started = performance.now();
	const dialect = dialectOf(database);
	const now = options.now ?? Date.now();
	const cutoffSeconds = Math.floor((options.before ?? now - options.keepDays * 86_400_000) / 1000);
	const { watermark, gaps, hoursClosedBefore } = await readUnabsorbed(database);
	// Rows of hours the per-member rollups have not closed are rebuilt from this table when they close (and a
	// refresh may reopen the current hour after an erasure closed it): they stay until then.
	const deletableBefore = Math.min(cutoffSeconds, hoursClosedBefore, utcHourOf(now));
	const range = dialect.timestampRange(q(dialect, 'timestamp'), 0, deletableBefore);
	const notYet = dialect.timestampRange(
		q(dialect, 'timestamp'),
		deletableBefore,
		Math.max(deletableBefore, cutoffSeconds),
	);
	const report: RetentionReport = {
		cutoff: new Date(cutoffSeconds * 1000).toISOString(),
		mode: options.mode,
		activityArchived: 0,
		revisionsArchived: 0,
		activityDeleted: 0,
		revisionsDeleted: 0,
		keptUnabsorbed: 0,
		batches: 0,
		archiveFiles: [],
		orphanFilesRemoved: 0,
		archiveExpired: { before: null, rows: 0, partitions: [], files: 0 },
		dryRun: options.dryRun,
		durationMs: 0,
	};

	const gapFilter = gaps.length > 0 ? ` and id not in (${gaps.map(() => '?').join(', ')})` : '';
	const old = `from directus_activity where ${range.sql}`;
	const [unabsorbed] = dialect.rows(
		await database.raw(
			`select count(*) as n ${old} and (id > ?${gaps.length > 0 ? ` or id in (${gaps.map(() => '?').join(', ')})` : ''})`,
			[...range.bindings, watermark, ...gaps],
		),
	) as { n: number | string }[];
	const [open] =
		deletableBefore < cutoffSeconds
			? (dialect.rows(
					await database.raw(`select count(*) as n from directus_activity where ${notYet.sql}`, notYet.bindings),
				) as { n: number | string }[])
			: [];
	report.keptUnabsorbed = Number(unabsorbed?.n ?? 0) + Number(open?.n ?? 0);

	if (options.dryRun) {
		const [due] = dialect.rows(
			await database.raw(`select count(*) as n ${old} and id <= ?${gapFilter}`, [
				...range.bindings,
				watermark,
				...gaps,
			]),
		) as { n: number | string }[];
		const [revisions] = dialect.rows(
			await database.raw(
				`select count(*) as n from directus_revisions where activity in (select id ${old} and id <= ?${gapFilter})`,
				[...range.bindings, watermark, ...gaps],
			),
		) as { n: number | string }[];
		report.activityDeleted = Number(due?.n ?? 0);
		report.revisionsDeleted = Number(revisions?.n ?? 0);
		report.durationMs = Math.round(performance.now() - started);
		return report;
	}

	if (options.mode === 'files' && !options.files)
		throw new Error('The files archive mode needs Directus file storage.');
	if (options.mode === 'archive' && dialect.partitionsArchive) {
		// Partitions for every month retention may archive into, created before any batch takes locks.
		const [oldest] = dialect.rows<{ lo: string | number | null }>(
			await database.raw(`select ${dialect.epochSeconds('min("timestamp")')} as lo from directus_activity`),
		);
		if (oldest?.lo !== null && oldest?.lo !== undefined)
			await ensureMonthPartitions(database, Number(oldest.lo), cutoffSeconds);
	}
	if (options.mode === 'files') report.orphanFilesRemoved = await removeOrphanFiles(database, options.files!);

	let afterId = 0;
	for (;;) {
		const ids = (
			dialect.rows(
				await database.raw(`select id ${old} and id > ? and id <= ?${gapFilter} order by id limit ?`, [
					...range.bindings,
					afterId,
					watermark,
					...gaps,
					options.batchSize,
				]),
			) as { id: number | string }[]
		).map((r) => Number(r.id));
		if (ids.length === 0) break;
		afterId = ids[ids.length - 1]!;
		const file = options.mode === 'files' ? await saveBatchFile(database, options.files!, ids) : null;
		try {
			await database.transaction(async (trx) => {
				const marks = ids.map(() => '?').join(', ');
				const revisionIds = (
					dialect.rows(await trx.raw(`select id from directus_revisions where activity in (${marks})`, ids)) as {
						id: number | string;
					}[]
				).map((r) => Number(r.id));
				const archivedAt = Date.now();
				if (revisionIds.length > 0) {
					const revMarks = revisionIds.map(() => '?').join(', ');
					if (options.mode === 'archive') {
						const cols = [...REVISION_COLUMNS, 'timestamp'].map((c) => q(dialect, c)).join(', ');
						const select = REVISION_COLUMNS.map((c) =>
							c === 'data' || c === 'delta' || c === 'version'
								? dialect.asText(`r.${q(dialect, c)}`)
								: `r.${q(dialect, c)}`,
						);
						await trx.raw(
							dialect.insertIgnore(
								ARCHIVE_REVISIONS_TABLE,
								`${cols}, archived_at`,
								`select ${select.join(', ')}, a.${q(dialect, 'timestamp')}, ? from directus_revisions r join directus_activity a on a.id = r.activity where r.id in (${revMarks})`,
							),
							[archivedAt, ...revisionIds],
						);
						report.revisionsArchived += revisionIds.length;
					}
					// Revisions outside this batch that point at one going: Directus nulls the link too.
					await trx.raw(
						`update directus_revisions set parent = null where parent in (${revMarks}) and id not in (${revMarks})`,
						[...revisionIds, ...revisionIds],
					);
					await trx.raw(`delete from directus_revisions where id in (${revMarks})`, revisionIds);
					report.revisionsDeleted += revisionIds.length;
				}
				if (options.mode === 'archive') {
					const cols = ACTIVITY_COLUMNS.map((c) => q(dialect, c)).join(', ');
					const select = ACTIVITY_COLUMNS.map((c) =>
						c === 'user' ? dialect.asText(q(dialect, c)) : q(dialect, c),
					).join(', ');
					await trx.raw(
						dialect.insertIgnore(
							ARCHIVE_ACTIVITY_TABLE,
							`${cols}, archived_at`,
							`select ${select}, ? from directus_activity where id in (${marks})`,
						),
						[archivedAt, ...ids],
					);
					report.activityArchived += ids.length;
				}
				// The file is recorded with the delete: a crash before this commit leaves an orphan file, removed next run.
				if (file) {
					await trx(ARCHIVE_FILES_TABLE).insert({
						file: file.id,
						first_id: ids[0],
						last_id: afterId,
						activity_rows: ids.length,
						revision_rows: file.revisions,
						newest: file.newest,
						created_at: archivedAt,
					});
					report.activityArchived += ids.length;
					report.revisionsArchived += file.revisions;
				}
				await trx.raw(`delete from directus_activity where id in (${marks})`, ids);
				report.activityDeleted += ids.length;
			});
		} catch (error) {
			if (file) await options.files!.remove([file.id]).catch(() => undefined);
			throw error;
		}
		if (file) report.archiveFiles.push(file.id);
		report.batches++;
		options.onProgress?.(report.activityDeleted);
	}
	if (options.archiveMonths > 0)
		report.archiveExpired = await expireArchive(database, dialect, options, archiveCutoff(now, options.archiveMonths));
	report.durationMs = Math.round(performance.now() - started);
	return report;
}

/** One line per row: {"table":"directus_activity"|"directus_revisions","row":{...}}, activity first. */
async function saveBatchFile(
	database: Knex,
	store: ArchiveFileStore,
	ids: number[],
): Promise<{ id: string; revisions: number; newest: number }> {
	const activity = await database('directus_activity').whereIn('id', ids).orderBy('id');
	const revisions = await database('directus_revisions').whereIn('activity', ids).orderBy('id');
	const lines = [
		...activity.map((row) => JSON.stringify({ table: 'directus_activity', row })),
		...revisions.map((row) => JSON.stringify({ table: 'directus_revisions', row })),
	];
	const newest = Math.floor(activity.reduce((max, row) => Math.max(max, epochMsOf(row.timestamp)), 0) / 1000);
	const id = await store.save(`activity-${ids[0]}-${ids[ids.length - 1]}.ndjson.gz`, gzipSync(`${lines.join('\n')}\n`));
	return { id, revisions: revisions.length, newest };
}

async function removeOrphanFiles(database: Knex, store: ArchiveFileStore): Promise<number> {
	const recorded = new Set((await database(ARCHIVE_FILES_TABLE).pluck('file')).map(String));
	const orphans = (await store.list()).filter((id) => !recorded.has(id));
	await store.remove(orphans);
	return orphans.length;
}

/**
 * Archive older than the cutoff, in every store it may be in, whatever mode archives now (a mode changed later
 * must not keep older archive for ever): recorded files removed, monthly partitions dropped (PostgreSQL) or
 * archive rows deleted in batches.
 */
async function expireArchive(
	database: Knex,
	dialect: Dialect,
	options: RetentionOptions,
	beforeSeconds: number,
): Promise<RetentionReport['archiveExpired']> {
	const expired: RetentionReport['archiveExpired'] = {
		before: new Date(beforeSeconds * 1000).toISOString(),
		rows: 0,
		partitions: [],
		files: 0,
	};
	const files = (await database(ARCHIVE_FILES_TABLE)
		.where('newest', '<', beforeSeconds)
		.select('file', 'activity_rows')) as { file: string; activity_rows: number }[];
	if (files.length > 0 && !options.files)
		throw new Error('Expired archive files need Directus file storage to be removed.');
	for (const file of files) {
		await options.files!.remove([file.file]);
		await database(ARCHIVE_FILES_TABLE).where({ file: file.file }).delete();
		expired.rows += Number(file.activity_rows);
		expired.files++;
	}
	if (dialect.partitionsArchive) {
		const dropped = await dropPartitionsBefore(database, beforeSeconds);
		expired.partitions = dropped.map((p) => p.name);
		expired.rows += dropped
			.filter((p) => p.name.startsWith(ARCHIVE_ACTIVITY_TABLE))
			.reduce((sum, p) => sum + p.rows, 0);
		return expired;
	}
	const range = dialect.timestampRange(q(dialect, 'timestamp'), 0, beforeSeconds);
	for (;;) {
		const ids = dialect
			.rows<{ id: number | string }>(
				await database.raw(
					`select id from ${q(dialect, ARCHIVE_ACTIVITY_TABLE)} where ${range.sql} order by id limit ?`,
					[...range.bindings, options.batchSize],
				),
			)
			.map((r) => Number(r.id));
		if (ids.length === 0) return expired;
		await database.transaction(async (trx) => {
			await trx(ARCHIVE_REVISIONS_TABLE).whereIn('activity', ids).delete();
			await trx(ARCHIVE_ACTIVITY_TABLE).whereIn('id', ids).delete();
		});
		expired.rows += ids.length;
	}
}
