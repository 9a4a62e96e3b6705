import type { Knex } from 'knex';
import type { ActivityTableStatus } from '../shared/status';
import { dialectOf, epochSecondsSql } from './dialect';

function isoFromEpochSeconds(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	const seconds = Number(value);
	return Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)).toISOString() : null;
}

/** Row count and time span of directus_activity, as UTC ISO strings. */
export async function readActivityTableStatus(database: Knex): Promise<ActivityTableStatus> {
	const [counts] = await database('directus_activity').count<{ rows: string | number }[]>({ rows: '*' });
	const dialect = dialectOf(database);
	// On PostgreSQL and MySQL min/max on the bare column use the timestamp index; SQLite mixes types, so normalise.
	const column = dialect === 'sqlite' ? epochSecondsSql(dialect, 'timestamp') : 'timestamp';
	const [span] = await database('directus_activity').select(
		database.raw(`min(${column}) as oldest, max(${column}) as newest`),
	);
	const toIso = (value: unknown) => (dialect === 'sqlite' ? isoFromEpochSeconds(value) : value ? new Date(value as string | Date).toISOString() : null);
	return { rows: Number(counts?.rows ?? 0), oldest: toIso(span?.oldest), newest: toIso(span?.newest) };
}

export async function countRevisions(database: Knex): Promise<number> {
	const [counts] = await database('directus_revisions').count<{ rows: string | number }[]>({ rows: '*' });
	return Number(counts?.rows ?? 0);
}
