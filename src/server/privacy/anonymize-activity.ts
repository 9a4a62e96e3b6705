import type { Knex } from 'knex';
import { dialectOf, epochMsOf, type Dialect } from '../schema/dialect';
import { ARCHIVE_ACTIVITY_TABLE } from '../schema/retention-tables';
import { renameMembers } from '../members/update-member-sets';
import { bumpGeneration, lockState, withRetry } from '../rollup/rollup-lock';
import { rollupUpsertSql } from '../rollup/rollup-upsert';
import { ALERTS_TABLE, FAILED_LOGINS_TABLE, ROLLUP_TABLES, STATE_TABLE } from '../schema/rollup-tables';
import type { ArchiveFileStore } from '../retention/archive-files';
import { ARCHIVE_FILES_TABLE } from '../schema/retention-tables';
import { anonymizeIp } from './anonymize-ip';
import { rewriteArchiveFiles } from './rewrite-archive-files';

export interface AnonymizeOptions {
	/** IPs recorded before this many days ago (rounded down to a UTC midnight) are anonymized. */
	olderThanDays: number;
	batchSize: number;
	now?: number;
	/** After each chunk: the days done and the days this run covers (known once the run has found its start). */
	onProgress?: (daysDone: number, daysTotal: number) => void;
	/** The `files` archive: its NDJSON.gz files are rewritten too. */
	files?: ArchiveFileStore;
}

export interface AnonymizeReport {
	/** Everything before this instant is anonymized. */
	before: string;
	/** Where this run started: the previous run's `before`, or the oldest data. Null when there was nothing to do. */
	from: string | null;
	activityAnonymized: number;
	archiveAnonymized: number;
	failedLoginsAnonymized: number;
	alertsAnonymized: number;
	/** Rollup rows whose full IP was merged into its anonymized form. */
	rollupRowsMerged: number;
	filesRewritten: number;
	durationMs: number;
}

// Progress: everything before this epoch second is anonymized, so a run reads only the days since the last.
const ANONYMIZE_STATE_KEY = 'anonymize';
const CHUNK_SECONDS = 7 * 86_400;
const MAP_TABLE = 'activity_analytics_ip_map';
const IP_TABLES = ROLLUP_TABLES.filter((table) => table.dims.includes('ip'));

/**
 * Anonymizes IPs older than N days in the raw activity, the archive, failed logins, alerts and the rollups,
 * a week at a time. The cutoff is a UTC midnight, so every rollup bucket is wholly before or after it and
 * merging a bucket's full IPs into their anonymized form keeps every figure equal to the raw rows. Raw rows
 * go first, then the rollups under the refresh lock: a refresh that read a full IP has committed by then.
 */
export async function runAnonymize(database: Knex, options: AnonymizeOptions): Promise<AnonymizeReport> {
	const started = performance.now();
	const dialect = dialectOf(database);
	const before = Math.floor(((options.now ?? Date.now()) - options.olderThanDays * 86_400_000) / 86_400_000) * 86_400;
	const report: AnonymizeReport = {
		before: new Date(before * 1000).toISOString(),
		from: null,
		activityAnonymized: 0,
		archiveAnonymized: 0,
		failedLoginsAnonymized: 0,
		alertsAnonymized: 0,
		rollupRowsMerged: 0,
		filesRewritten: 0,
		durationMs: 0,
	};
	const done = await readAnonymizedBefore(database);
	const from = done ?? (await oldestSecond(database, dialect));
	if (from !== null && from < before) {
		report.from = new Date(from * 1000).toISOString();
		for (let start = from; start < before;) {
			const end = Math.min(before, start + CHUNK_SECONDS);
			report.activityAnonymized += await anonymizeRawRange(database, dialect, 'directus_activity', start, end, options);
			report.archiveAnonymized += await anonymizeRawRange(
				database,
				dialect,
				ARCHIVE_ACTIVITY_TABLE,
				start,
				end,
				options,
			);
			report.failedLoginsAnonymized += await anonymizeFailedLogins(database, start, end, options.batchSize);
			report.alertsAnonymized += await anonymizeAlerts(database, start, end);
			report.rollupRowsMerged += await withRetry(() => anonymizeRollups(database, dialect, start, end));
			await saveAnonymizedBefore(database, end);
			options.onProgress?.(Math.ceil((end - from) / 86_400), Math.ceil((before - from) / 86_400));
			start = end;
		}
		if (options.files) report.filesRewritten = await anonymizeArchiveFiles(database, options.files, from, before);
	} else if (done === null) {
		await saveAnonymizedBefore(database, before);
	}
	report.durationMs = Math.round(performance.now() - started);
	return report;
}

async function readAnonymizedBefore(database: Knex): Promise<number | null> {
	const row = await database(STATE_TABLE).where({ key: ANONYMIZE_STATE_KEY }).first('watermark');
	return row ? Number(row.watermark) : null;
}

async function saveAnonymizedBefore(database: Knex, before: number): Promise<void> {
	await database(STATE_TABLE)
		.insert({ key: ANONYMIZE_STATE_KEY, watermark: before, generation: 0, updated_at: Date.now() })
		.onConflict('key')
		.merge(['watermark', 'updated_at']);
}

/** The UTC midnight before the oldest thing that can hold an IP, or null when there is nothing. */
async function oldestSecond(database: Knex, dialect: Dialect): Promise<number | null> {
	const q = (name: string) => dialect.quote(name);
	const candidates: number[] = [];
	for (const table of ['directus_activity', ARCHIVE_ACTIVITY_TABLE]) {
		const [row] = dialect.rows<{ oldest: number | string | null }>(
			await database.raw(`select min(${dialect.epochWholeSeconds(q('timestamp'))}) as oldest from ${q(table)}`),
		);
		if (row?.oldest !== null && row?.oldest !== undefined) candidates.push(Number(row.oldest));
	}
	const bucket = await database(IP_TABLES[0]!.name).min({ oldest: 'bucket' }).first();
	if (bucket?.oldest !== null && bucket?.oldest !== undefined) candidates.push(Number(bucket.oldest));
	// An archive file is read whole when its newest row is at or after the start.
	const file = await database(ARCHIVE_FILES_TABLE).min({ oldest: 'newest' }).first();
	if (file?.oldest !== null && file?.oldest !== undefined) candidates.push(Number(file.oldest));
	const login = await database(FAILED_LOGINS_TABLE).min({ oldest: 'at' }).first();
	if (login?.oldest !== null && login?.oldest !== undefined) candidates.push(Math.floor(Number(login.oldest) / 1000));
	if (candidates.length === 0) return null;
	return Math.floor(Math.min(...candidates) / 86_400) * 86_400;
}

/** Rewrites changed IPs of one table's rows in [start, end), a batch of ids at a time. */
async function anonymizeRawRange(
	database: Knex,
	dialect: Dialect,
	table: string,
	start: number,
	end: number,
	options: AnonymizeOptions,
): Promise<number> {
	const q = (name: string) => dialect.quote(name);
	const range = dialect.timestampRange(q('timestamp'), start, end);
	let changed = 0;
	for (let afterId = 0; ;) {
		const rows = dialect.rows<{ id: number | string; ip: string }>(
			await database.raw(
				`select id, ip from ${q(table)} where ${range.sql} and ip is not null and id > ? order by id limit ?`,
				[...range.bindings, afterId, options.batchSize],
			),
		);
		if (rows.length === 0) return changed;
		afterId = Number(rows[rows.length - 1]!.id);
		changed += await rewriteIps(database, table, 'ip', rows);
	}
}

/** Groups a batch's changed values by their new value: one UPDATE per distinct anonymized IP. */
async function rewriteIps(
	database: Knex,
	table: string,
	column: string,
	rows: { id: number | string; ip: string | null }[],
): Promise<number> {
	const byNew = new Map<string, number[]>();
	for (const row of rows) {
		if (row.ip === null) continue;
		const next = anonymizeIp(row.ip);
		if (next === row.ip) continue;
		byNew.set(next, [...(byNew.get(next) ?? []), Number(row.id)]);
	}
	if (byNew.size === 0) return 0;
	let changed = 0;
	await database.transaction(async (trx) => {
		for (const [ip, ids] of byNew) {
			await trx(table)
				.whereIn('id', ids)
				.update({ [column]: ip });
			changed += ids.length;
		}
	});
	return changed;
}

async function anonymizeFailedLogins(database: Knex, start: number, end: number, batchSize: number): Promise<number> {
	let changed = 0;
	for (let afterId = 0; ;) {
		const rows = (await database(FAILED_LOGINS_TABLE)
			.select('id', 'ip')
			.where('at', '>=', start * 1000)
			.andWhere('at', '<', end * 1000)
			.whereNotNull('ip')
			.andWhere('id', '>', afterId)
			.orderBy('id')
			.limit(batchSize)) as { id: number; ip: string }[];
		if (rows.length === 0) return changed;
		afterId = Number(rows[rows.length - 1]!.id);
		changed += await rewriteIps(database, FAILED_LOGINS_TABLE, 'ip', rows);
	}
}

/** Alerts about an IP in [start, end): two alerts that become the same actor in one window keep one. */
async function anonymizeAlerts(database: Knex, start: number, end: number): Promise<number> {
	const rows = (await database(ALERTS_TABLE)
		.select('id', 'actor', 'window_start')
		.where({ by: 'ip' })
		.andWhere('window_start', '>=', start)
		.andWhere('window_start', '<', end)) as { id: number; actor: string; window_start: number | string }[];
	let changed = 0;
	for (const row of rows) {
		const next = anonymizeIp(row.actor);
		if (next === row.actor) continue;
		const clash = await database(ALERTS_TABLE)
			.where({ by: 'ip', actor: next, window_start: row.window_start })
			.first('id');
		if (clash) await database(ALERTS_TABLE).where({ id: row.id }).delete();
		else await database(ALERTS_TABLE).where({ id: row.id }).update({ actor: next });
		changed++;
	}
	return changed;
}

/** Merges every rollup row in [start, end) that holds a full IP into the row of its anonymized IP. */
async function anonymizeRollups(database: Knex, dialect: Dialect, start: number, end: number): Promise<number> {
	const q = (name: string) => dialect.quote(name);
	return database.transaction(async (trx) => {
		const state = await lockState(trx, dialect, Date.now());
		const ips = (
			await trx(IP_TABLES[0]!.name)
				.distinct('ip')
				.where('bucket', '>=', start)
				.andWhere('bucket', '<', end)
				.andWhere('ip', '<>', '')
		).map((row: { ip: string }) => row.ip);
		const mapping = ips.map((ip) => ({ old_ip: ip, new_ip: anonymizeIp(ip) })).filter((m) => m.old_ip !== m.new_ip);
		if (mapping.length === 0) return 0;
		const map = dialect.tempTable(MAP_TABLE);
		for (const statement of dialect.createTempTable(
			MAP_TABLE,
			'old_ip varchar(50) primary key, new_ip varchar(50) not null',
		))
			await trx.raw(statement);
		for (let i = 0; i < mapping.length; i += 500) {
			const chunk = mapping.slice(i, i + 500);
			await trx.raw(
				`insert into ${map} (old_ip, new_ip) values ${chunk.map(() => '(?, ?)').join(', ')}`,
				chunk.flatMap((m) => [m.old_ip, m.new_ip]),
			);
		}
		let merged = 0;
		for (const table of IP_TABLES) {
			const select = ['t.grain', 't.bucket', ...table.dims.map((d) => (d === 'ip' ? 'm.new_ip' : `t.${q(d)}`))];
			const merge = `select ${select.join(', ')}, sum(t.events) from ${q(table.name)} t join ${map} m on t.ip = m.old_ip where t.bucket >= ? and t.bucket < ? group by ${select.join(', ')}`;
			await trx.raw(rollupUpsertSql(dialect, table, merge, 'add'), [start, end]);
			merged += Number(
				await trx(table.name)
					.where('bucket', '>=', start)
					.andWhere('bucket', '<', end)
					.whereRaw(`ip in (select old_ip from ${map})`)
					.delete(),
			);
		}
		await trx.raw(dialect.dropTempTable(MAP_TABLE));
		await renameMembers(trx, dialect, 'ip', new Map(mapping.map((m) => [m.old_ip, m.new_ip])), start, end);
		await bumpGeneration(trx, state);
		return merged;
	});
}

/** Files whose newest row is at or after `from` may hold rows this run anonymized in the tables. */
async function anonymizeArchiveFiles(
	database: Knex,
	store: ArchiveFileStore,
	from: number,
	before: number,
): Promise<number> {
	const files = (await database(ARCHIVE_FILES_TABLE).where('newest', '>=', from).pluck('file')).map(String);
	return rewriteArchiveFiles(store, files, (line) => {
		if (line.table !== 'directus_activity' || typeof line.row['ip'] !== 'string') return line;
		if (epochMsOf(line.row['timestamp']) >= before * 1000) return line;
		const ip = anonymizeIp(line.row['ip']);
		return ip === line.row['ip'] ? line : { ...line, row: { ...line.row, ip } };
	});
}
