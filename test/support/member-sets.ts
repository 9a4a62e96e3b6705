import type { Knex } from 'knex';
import { decodeMemberCounts } from '../../src/server/members/member-count-codec';
import { decodeMemberSet } from '../../src/server/members/member-set-codec';
import { dimensionKeys } from '../../src/server/dimension-keys';

const SOURCES = [
	{ kind: 'user', table: 'activity_analytics_rollup_user_dims' },
	{ kind: 'ip', table: 'activity_analytics_rollup_ip_dims' },
] as const;
const COUNT_TABLES = { user: 'activity_analytics_rollup_users', ip: 'activity_analytics_rollup_ips' } as const;

/**
 * Compares the member sets, decoded through the dictionary, with the members per bucket and collection of
 * the wide rollups they mirror, and the count vectors with the user and IP rollups: every (kind, grain, bucket, collection, value) on one side and not the other, and dictionary
 * values no rollup holds any more; up to 20 of each.
 */
export async function memberSetDifferences(db: Knex): Promise<{ checked: number; missing: string[]; extra: string[]; orphans: string[] }> {
	let checked = 0;
	const orphans: string[] = [];
	const missing: string[] = [];
	const extra: string[] = [];
	// Values are compared as the database compares them: on MySQL the dictionary may spell "FE80::A" what a
	// rollup row spells "fe80::a".
	const keys = await dimensionKeys(db);
	for (const { kind, table } of SOURCES) {
		const key = keys[kind];
		const values = new Map<number, string>();
		for (const row of (await db('activity_analytics_members').where({ kind }).select('id', 'value')) as { id: number | string; value: string }[]) values.set(Number(row.id), key(row.value));
		const actual = new Set<string>();
		for (const row of (await db('activity_analytics_member_sets').where({ kind }).select('grain', 'bucket', 'collection', 'members')) as { grain: string; bucket: number | string; collection: string; members: Buffer }[]) {
			for (const id of decodeMemberSet(row.members).array()) actual.add(`${kind} ${row.grain} ${Number(row.bucket)} ${row.collection} ${values.get(id) ?? `<id ${id} not in the dictionary>`}`);
		}
		const expected = new Set<string>();
		for (const row of (await db(table).whereNot(kind, '').select('grain', 'bucket', 'collection', kind)) as Record<string, string | number>[]) {
			expected.add(`${kind} ${row['grain']} ${Number(row['bucket'])} ${row['collection']} ${key(String(row[kind]))}`);
		}
		checked += expected.size;
		// Every value the dictionary keeps is still in the rollups: an erased user or a full IP is not kept.
		const used = new Set(((await db(table).distinct(kind)) as Record<string, string>[]).map((row) => key(row[kind]!)));
		for (const value of values.values()) if (!used.has(value) && orphans.length < 20) orphans.push(`${kind} ${value}`);
		for (const entry of expected) if (!actual.has(entry) && missing.length < 20) missing.push(entry);
		for (const entry of actual) if (!expected.has(entry) && extra.length < 20) extra.push(entry);

		// The count vectors: events per value ('' for none) per bucket, as in the kind's own rollup.
		const countsActual = new Set<string>();
		for (const row of (await db('activity_analytics_member_counts').where({ kind }).select('grain', 'bucket', 'counts')) as { grain: string; bucket: number | string; counts: Buffer }[]) {
			const { counts, none } = decodeMemberCounts(row.counts);
			if (none > 0) countsActual.add(`${kind} ${row.grain} ${Number(row.bucket)} '' ${none}`);
			for (const [id, count] of counts) countsActual.add(`${kind} ${row.grain} ${Number(row.bucket)} ${values.get(id) ?? `<id ${id} not in the dictionary>`} ${count}`);
		}
		const countsExpected = new Set<string>();
		for (const row of (await db(COUNT_TABLES[kind]).select('grain', 'bucket', kind, 'events')) as Record<string, string | number>[]) {
			countsExpected.add(`${kind} ${row['grain']} ${Number(row['bucket'])} ${row[kind] === '' ? "''" : key(String(row[kind]))} ${Number(row['events'])}`);
		}
		checked += countsExpected.size;
		for (const entry of countsExpected) if (!countsActual.has(entry) && missing.length < 20) missing.push(`counts: ${entry}`);
		for (const entry of countsActual) if (!countsExpected.has(entry) && extra.length < 20) extra.push(`counts: ${entry}`);
	}
	return { checked, missing, extra, orphans };
}
