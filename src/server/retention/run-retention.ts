import type { Knex } from 'knex';
import { dialectOf, rowsOf, timestampRangeSql, type Dialect } from '../dialect';
import { readUnabsorbed } from '../rollup/rollup-state';
import { ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE } from './retention-tables';

export interface RetentionOptions {
	/** Raw activity and revisions older than this many days go. */
	keepDays: number;
	batchSize: number;
	dryRun: boolean;
	/** 'archive' copies each batch into the archive tables before deleting it; 'none' only deletes. */
	mode: 'archive' | 'none';
	now?: number;
	onProgress?: (done: number) => void;
}

export interface RetentionReport {
	cutoff: string;
	activityArchived: number;
	revisionsArchived: number;
	activityDeleted: number;
	revisionsDeleted: number;
	/** Rows old enough to go but not yet absorbed by the rollups: kept until they are. */
	keptUnabsorbed: number;
	batches: number;
	dryRun: boolean;
	durationMs: number;
}

const ACTIVITY_COLUMNS = ['id', 'action', 'user', 'timestamp', 'ip', 'user_agent', 'collection', 'item', 'origin'];
const REVISION_COLUMNS = ['id', 'activity', 'collection', 'item', 'data', 'delta', 'parent', 'version'];

function q(dialect: Dialect, name: string): string {
	return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
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
	const cutoffSeconds = Math.floor(((options.now ?? Date.now()) - options.keepDays * 86_400_000) / 1000);
	const range = timestampRangeSql(dialect, q(dialect, 'timestamp'), 0, cutoffSeconds);
	const { watermark, gaps } = await readUnabsorbed(database);
	const report: RetentionReport = { cutoff: new Date(cutoffSeconds * 1000).toISOString(), activityArchived: 0, revisionsArchived: 0, activityDeleted: 0, revisionsDeleted: 0, keptUnabsorbed: 0, batches: 0, dryRun: options.dryRun, durationMs: 0 };

	const gapFilter = gaps.length > 0 ? ` and id not in (${gaps.map(() => '?').join(', ')})` : '';
	const old = `from directus_activity where ${range.sql}`;
	const [unabsorbed] = rowsOf(await database.raw(`select count(*) as n ${old} and (id > ?${gaps.length > 0 ? ` or id in (${gaps.map(() => '?').join(', ')})` : ''})`, [...range.bindings, watermark, ...gaps]), dialect) as { n: number | string }[];
	report.keptUnabsorbed = Number(unabsorbed?.n ?? 0);

	if (options.dryRun) {
		const [due] = rowsOf(await database.raw(`select count(*) as n ${old} and id <= ?${gapFilter}`, [...range.bindings, watermark, ...gaps]), dialect) as { n: number | string }[];
		const [revisions] = rowsOf(await database.raw(`select count(*) as n from directus_revisions where activity in (select id ${old} and id <= ?${gapFilter})`, [...range.bindings, watermark, ...gaps]), dialect) as { n: number | string }[];
		report.activityDeleted = Number(due?.n ?? 0);
		report.revisionsDeleted = Number(revisions?.n ?? 0);
		report.durationMs = Math.round(performance.now() - started);
		return report;
	}

	let afterId = 0;
	for (;;) {
		const ids = (rowsOf(await database.raw(`select id ${old} and id > ? and id <= ?${gapFilter} order by id limit ?`, [...range.bindings, afterId, watermark, ...gaps, options.batchSize]), dialect) as { id: number | string }[]).map((r) => Number(r.id));
		if (ids.length === 0) break;
		afterId = ids[ids.length - 1]!;
		await database.transaction(async (trx) => {
			const marks = ids.map(() => '?').join(', ');
			const revisionIds = (rowsOf(await trx.raw(`select id from directus_revisions where activity in (${marks})`, ids), dialect) as { id: number | string }[]).map((r) => Number(r.id));
			const now = Date.now();
			if (revisionIds.length > 0) {
				const revMarks = revisionIds.map(() => '?').join(', ');
				if (options.mode === 'archive') {
					const cols = REVISION_COLUMNS.map((c) => q(dialect, c)).join(', ');
					const dataCast = (c: string) => (dialect === 'postgres' && (c === 'data' || c === 'delta') ? `${q(dialect, c)}::text` : dialect === 'postgres' && c === 'version' ? `${q(dialect, c)}::text` : q(dialect, c));
					await trx.raw(`${insertIgnore(dialect)} into ${q(dialect, ARCHIVE_REVISIONS_TABLE)} (${cols}, archived_at) select ${REVISION_COLUMNS.map(dataCast).join(', ')}, ? from directus_revisions where id in (${revMarks})${onConflict(dialect)}`, [now, ...revisionIds]);
					report.revisionsArchived += revisionIds.length;
				}
				// Revisions outside this batch that point at one going: Directus nulls the link too.
				await trx.raw(`update directus_revisions set parent = null where parent in (${revMarks}) and id not in (${revMarks})`, [...revisionIds, ...revisionIds]);
				await trx.raw(`delete from directus_revisions where id in (${revMarks})`, revisionIds);
				report.revisionsDeleted += revisionIds.length;
			}
			if (options.mode === 'archive') {
				const cols = ACTIVITY_COLUMNS.map((c) => q(dialect, c)).join(', ');
				const select = ACTIVITY_COLUMNS.map((c) => (dialect === 'postgres' && c === 'user' ? `${q(dialect, c)}::text` : q(dialect, c))).join(', ');
				await trx.raw(`${insertIgnore(dialect)} into ${q(dialect, ARCHIVE_ACTIVITY_TABLE)} (${cols}, archived_at) select ${select}, ? from directus_activity where id in (${marks})${onConflict(dialect)}`, [now, ...ids]);
				report.activityArchived += ids.length;
			}
			await trx.raw(`delete from directus_activity where id in (${marks})`, ids);
			report.activityDeleted += ids.length;
		});
		report.batches++;
		options.onProgress?.(report.activityDeleted);
	}
	report.durationMs = Math.round(performance.now() - started);
	return report;
}

function insertIgnore(dialect: Dialect): string {
	return dialect === 'mysql' ? 'insert ignore' : 'insert';
}

function onConflict(dialect: Dialect): string {
	return dialect === 'mysql' ? '' : ' on conflict (id) do nothing';
}

