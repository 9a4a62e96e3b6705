import type { Knex } from 'knex';
import type { ActivityTableStatus } from '../shared/status';

function toIso(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	const date = value instanceof Date ? value : new Date(String(value).includes('T') || String(value).endsWith('Z') ? String(value) : `${String(value).replace(' ', 'T')}Z`);
	return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Row count and time span of directus_activity (min/max use the timestamp index where one exists). */
export async function readActivityTableStatus(database: Knex): Promise<ActivityTableStatus> {
	const [counts] = await database('directus_activity').count<{ rows: string | number }[]>({ rows: '*' });
	const [span] = await database('directus_activity').min({ oldest: 'timestamp' }).max({ newest: 'timestamp' });
	return { rows: Number(counts?.rows ?? 0), oldest: toIso(span?.['oldest']), newest: toIso(span?.['newest']) };
}

export async function countRevisions(database: Knex): Promise<number> {
	const [counts] = await database('directus_revisions').count<{ rows: string | number }[]>({ rows: '*' });
	return Number(counts?.rows ?? 0);
}
