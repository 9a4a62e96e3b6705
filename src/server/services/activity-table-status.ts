import type { Knex } from 'knex';
import type { ActivityTableStatus } from '../../shared/status';
import type { AddressSample } from './proxy-address';
import { dialectOf } from '../schema/dialect';

function isoFromEpochSeconds(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	const seconds = Number(value);
	return Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)).toISOString() : null;
}

// Above this many rows an exact count(*) costs hundreds of milliseconds on every /status call: the planner's
// estimate (kept fresh by autovacuum and our `analyze` task) is reported instead, and marked as such.
const EXACT_COUNT_LIMIT = 1_000_000;

async function countRows(database: Knex, table: string): Promise<{ rows: number; estimated: boolean }> {
	const estimate = (await dialectOf(database).estimatedRows(database, table)) ?? -1;
	if (estimate >= EXACT_COUNT_LIMIT) return { rows: Math.round(estimate), estimated: true };
	const [counts] = await database(table).count<{ rows: string | number }[]>({ rows: '*' });
	return { rows: Number(counts?.rows ?? 0), estimated: false };
}

/** Row count and time span of directus_activity, as UTC ISO strings. */
export async function readActivityTableStatus(database: Knex): Promise<ActivityTableStatus> {
	const counts = await countRows(database, 'directus_activity');
	const dialect = dialectOf(database);
	// Where the timestamps index, min/max on the bare column use it; SQLite mixes types, so normalise.
	const column = dialect.indexesTimestamps ? 'timestamp' : dialect.epochSeconds('timestamp');
	const [span] = await database('directus_activity').select(
		database.raw(`min(${column}) as oldest, max(${column}) as newest`),
	);
	const toIso = (value: unknown) =>
		!dialect.indexesTimestamps
			? isoFromEpochSeconds(value)
			: value
				? new Date(value as string | Date).toISOString()
				: null;
	return {
		rows: counts.rows,
		rowsEstimated: counts.estimated,
		oldest: toIso(span?.oldest),
		newest: toIso(span?.newest),
	};
}

export async function countRevisions(database: Knex): Promise<{ rows: number; rowsEstimated: boolean }> {
	const counts = await countRows(database, 'directus_revisions');
	return { rows: counts.rows, rowsEstimated: counts.estimated };
}

/** The most common IP among the newest events that have one (read backwards along the primary key). */
export async function sampleRecentAddresses(database: Knex, limit = 1_000): Promise<AddressSample> {
	const recent = database('directus_activity')
		.select('ip')
		.whereNotNull('ip')
		.orderBy('id', 'desc')
		.limit(limit)
		.as('recent');
	const groups = await database
		.from(recent)
		.select('ip')
		.count<{ ip: string; n: string | number }[]>({ n: '*' })
		.groupBy('ip');
	let top: { ip: string; n: number } | null = null;
	let sampled = 0;
	for (const group of groups) {
		const n = Number(group.n);
		sampled += n;
		if (!top || n > top.n) top = { ip: String(group.ip), n };
	}
	return { sampled, topIp: top?.ip ?? null, topCount: top?.n ?? 0 };
}
