import type { Knex } from 'knex';
import { decodeMemberCounts, visitMemberCounts } from '../../src/server/members/member-count-codec';
import { decodeMemberSet } from '../../src/server/members/member-set-codec';
import { dimensionKeys } from '../../src/server/schema/dimension-keys';
import { ROWS_ON_CLOSE_TABLES } from '../../src/server/schema/rollup-tables';
import { dialectName, epochSql, sqlRows } from './ground-truth';

const SOURCES = [
	{ kind: 'user', table: 'activity_analytics_rollup_user_dims' },
	{ kind: 'ip', table: 'activity_analytics_rollup_ip_dims' },
] as const;
const COUNT_TABLES = { user: 'activity_analytics_rollup_users', ip: 'activity_analytics_rollup_ips' } as const;

/**
 * Where the per-member tables' open days and open hours start. With no state row (nothing refreshed yet), or
 * before migration 015 (days) or 017 (hours), none is open.
 */
export async function readClosedMarks(db: Knex): Promise<{ days: number; hours: number }> {
	const state = await db('activity_analytics_state').where({ key: 'rollup' }).first();
	const mark = (value: unknown) => (value === undefined || value === null ? Number.MAX_SAFE_INTEGER : Number(value));
	return { days: mark(state?.days_closed_before), hours: mark(state?.hours_closed_before) };
}

/**
 * The raw rows the rollups absorbed (at or below the watermark, not in an open gap) from `from` on, grouped by
 * UTC hour and `dims` ('' for NULL), with their events: what the per-member tables leave to open hours.
 */
export async function absorbedRawRowsFrom(
	db: Knex,
	from: number,
	dims: readonly string[],
): Promise<Record<string, string | number>[]> {
	if (from >= Number.MAX_SAFE_INTEGER) return [];
	const state = await db('activity_analytics_state').where({ key: 'rollup' }).first();
	const gaps = (await db('activity_analytics_gaps').pluck('id')).map(Number);
	const q = (name: string) => (db.client.config.client.startsWith('mysql') ? `\`${name}\`` : `"${name}"`);
	const columns = dims.map((d) => `coalesce(${q(d)}${dialectName(db) === 'pg' ? '::text' : ''}, '') as ${q(d)}`);
	const hour = `floor(${epochSql(db)} / 3600) * 3600`;
	return (await sqlRows(
		db,
		`select ${hour} as ${q('bucket')}, ${[...columns, `count(*) as ${q('events')}`].join(', ')} from directus_activity where ${epochSql(db)} >= ? and id <= ?${gaps.length > 0 ? ` and id not in (${gaps.join(', ')})` : ''} group by ${['1', ...dims.map((_, i) => String(i + 2))].join(', ')}`,
		[from, Number(state?.['watermark'] ?? 0)],
	)) as Record<string, string | number>[];
}

/**
 * Compares the member sets, decoded through the dictionary, with the members per bucket and collection of
 * the wide rollups they mirror, the count vectors with the user and IP rollups, and the quarter vectors (per
 * hour) with the wide rollups' hour rows: every (kind, grain, bucket, collection, value) on one side and not the other, and dictionary
 * values no rollup holds any more; up to 20 of each.
 */
export async function memberSetDifferences(
	db: Knex,
	options: { quarters: boolean } = { quarters: true },
): Promise<{ checked: number; missing: string[]; extra: string[]; orphans: string[] }> {
	let checked = 0;
	const orphans: string[] = [];
	const missing: string[] = [];
	const extra: string[] = [];
	// Values are compared as the database compares them: on MySQL the dictionary may spell "FE80::A" what a
	// rollup row spells "fe80::a".
	const keys = await dimensionKeys(db);
	const { days: daysClosedBefore, hours: hoursClosedBefore } = await readClosedMarks(db);
	for (const { kind, table } of SOURCES) {
		const key = keys[kind];
		const values = new Map<number, string>();
		for (const row of (await db('activity_analytics_members').where({ kind }).select('id', 'value')) as {
			id: number | string;
			value: string;
		}[])
			values.set(Number(row.id), key(row.value));
		const actual = new Set<string>();
		for (const row of (await db('activity_analytics_member_sets')
			.where({ kind })
			.select('grain', 'bucket', 'collection', 'members')) as {
			grain: string;
			bucket: number | string;
			collection: string;
			members: Buffer;
		}[]) {
			for (const id of decodeMemberSet(row.members).array())
				actual.add(
					`${kind} ${row.grain} ${Number(row.bucket)} ${row.collection} ${values.get(id) ?? `<id ${id} not in the dictionary>`}`,
				);
		}
		const expected = new Set<string>();
		// Open hours have no rows in the wide table yet: their raw rows stand in as hour rows.
		const openHours = (await absorbedRawRowsFrom(db, hoursClosedBefore, ['collection', kind]))
			.filter((row) => row[kind] !== '')
			.map((row): Record<string, string | number> => ({ ...row, grain: 'h' }));
		for (const row of [
			...((await db(table).whereNot(kind, '').select('grain', 'bucket', 'collection', kind)) as Record<
				string,
				string | number
			>[]),
			...openHours,
		]) {
			const bucket = Number(row['bucket']);
			expected.add(`${kind} ${row['grain']} ${bucket} ${row['collection']} ${key(String(row[kind]))}`);
			// A day not closed yet has only hour rows in the wide table; its set still holds its members.
			if (row['grain'] === 'h' && bucket >= daysClosedBefore)
				expected.add(
					`${kind} d ${Math.floor(bucket / 86_400) * 86_400} ${row['collection']} ${key(String(row[kind]))}`,
				);
		}
		checked += expected.size;
		// Every value the dictionary keeps is still in the rollups: an erased user or a full IP is not kept.
		const used = new Set(
			[...((await db(table).distinct(kind)) as Record<string, string | number>[]), ...openHours].map((row) =>
				key(String(row[kind])),
			),
		);
		for (const value of values.values()) if (!used.has(value) && orphans.length < 20) orphans.push(`${kind} ${value}`);
		for (const entry of expected) if (!actual.has(entry) && missing.length < 20) missing.push(entry);
		for (const entry of actual) if (!expected.has(entry) && extra.length < 20) extra.push(entry);

		// The count vectors: events per value ('' for none) per bucket, as in the kind's own rollup.
		const countsActual = new Set<string>();
		for (const row of (await db('activity_analytics_member_counts')
			.where({ kind })
			.select('grain', 'bucket', 'counts')) as { grain: string; bucket: number | string; counts: Buffer }[]) {
			const { counts, none } = decodeMemberCounts(row.counts);
			if (none > 0) countsActual.add(`${kind} ${row.grain} ${Number(row.bucket)} '' ${none}`);
			for (const [id, count] of counts)
				countsActual.add(
					`${kind} ${row.grain} ${Number(row.bucket)} ${values.get(id) ?? `<id ${id} not in the dictionary>`} ${count}`,
				);
		}
		const countsExpected = new Set<string>();
		for (const row of (await db(COUNT_TABLES[kind]).select('grain', 'bucket', kind, 'events')) as Record<
			string,
			string | number
		>[]) {
			countsExpected.add(
				`${kind} ${row['grain']} ${Number(row['bucket'])} ${row[kind] === '' ? "''" : key(String(row[kind]))} ${Number(row['events'])}`,
			);
		}
		checked += countsExpected.size;
		for (const entry of countsExpected)
			if (!countsActual.has(entry) && missing.length < 20) missing.push(`counts: ${entry}`);
		for (const entry of countsActual)
			if (!countsExpected.has(entry) && extra.length < 20) extra.push(`counts: ${entry}`);

		// The quarter vectors, summed per hour: events per (hour, collection, value) as in the wide table's hour
		// rows (summed over action and origin), or the raw rows of an open hour. (Migration 018 fills them from
		// the raw rows: rollup rows with no raw rows left, or none ever, have no quarter vectors.)
		if (!options.quarters) continue;
		const sum = (into: Map<string, number>, key: string, events: number) =>
			into.set(key, (into.get(key) ?? 0) + events);
		const quartersActual = new Map<string, number>();
		for (const row of (await db('activity_analytics_member_quarters')
			.where({ kind })
			.select('bucket', 'collection', 'counts')) as { bucket: number | string; collection: string; counts: Buffer }[]) {
			const hour = Math.floor(Number(row.bucket) / 3_600) * 3_600;
			const none = visitMemberCounts(row.counts, (id, count) =>
				sum(
					quartersActual,
					`${kind} ${hour} ${row.collection} ${values.get(id) ?? `<id ${id} not in the dictionary>`}`,
					count,
				),
			);
			if (none > 0) sum(quartersActual, `${kind} ${hour} ${row.collection} ''`, none);
		}
		const quartersExpected = new Map<string, number>();
		for (const row of [
			...((await db(table).where({ grain: 'h' }).select('bucket', 'collection', kind, 'events')) as Record<
				string,
				string | number
			>[]),
			...(await absorbedRawRowsFrom(db, hoursClosedBefore, ['collection', kind])),
		]) {
			sum(
				quartersExpected,
				`${kind} ${Number(row['bucket'])} ${row['collection']} ${row[kind] === '' ? "''" : key(String(row[kind]))}`,
				Number(row['events']),
			);
		}
		checked += quartersExpected.size;
		for (const [entry, events] of quartersExpected)
			if (quartersActual.get(entry) !== events && missing.length < 20)
				missing.push(`quarters: ${entry} ${events}, vectors ${quartersActual.get(entry) ?? 'none'}`);
		for (const [entry, events] of quartersActual)
			if (!quartersExpected.has(entry) && extra.length < 20) extra.push(`quarters: ${entry} ${events}`);
	}
	return { checked, missing, extra, orphans };
}

/**
 * The per-member tables' day rows against their hour rows: each closed day's rows must be its hours' sums,
 * and a day not closed yet must have none; an hour not closed yet has no rows either. Returns the rows checked
 * and up to 20 differences.
 */
export async function dayRowDifferences(
	db: Knex,
): Promise<{ checked: number; daysClosedBefore: number; differences: string[] }> {
	const { days: daysClosedBefore, hours: hoursClosedBefore } = await readClosedMarks(db);
	const differences: string[] = [];
	let checked = 0;
	// On MySQL a day row may spell "fe80::a" what an hour row spells "FE80::A": one key to the database.
	const keys = await dimensionKeys(db);
	for (const { name: table, dims } of ROWS_ON_CLOSE_TABLES) {
		const keyOf = (row: Record<string, string | number>) => dims.map((d) => keys[d](String(row[d])));
		const expected = new Map<string, number>();
		for (const row of (await db(table)
			.where({ grain: 'h' })
			.andWhere('bucket', '<', daysClosedBefore)
			.select('bucket', ...dims, 'events')) as Record<string, string | number>[]) {
			const key = [table, Math.floor(Number(row['bucket']) / 86_400) * 86_400, ...keyOf(row)].join(' ');
			expected.set(key, (expected.get(key) ?? 0) + Number(row['events']));
		}
		const actual = new Map<string, number>();
		for (const row of (await db(table)
			.where({ grain: 'd' })
			.select('bucket', ...dims, 'events')) as Record<string, string | number>[]) {
			actual.set([table, Number(row['bucket']), ...keyOf(row)].join(' '), Number(row['events']));
		}
		checked += expected.size;
		for (const row of (await db(table)
			.where({ grain: 'h' })
			.andWhere('bucket', '>=', hoursClosedBefore)
			.select('bucket', ...dims, 'events')) as Record<string, string | number>[]) {
			if (differences.length < 20)
				differences.push(
					`${table} ${Number(row['bucket'])} ${keyOf(row).join(' ')}: hour row ${Number(row['events'])} in an open hour (from ${hoursClosedBefore})`,
				);
		}
		for (const [key, events] of expected)
			if (actual.get(key) !== events && differences.length < 20)
				differences.push(`${key}: day row ${actual.get(key) ?? 'missing'}, hours ${events}`);
		for (const [key, events] of actual)
			if (!expected.has(key) && differences.length < 20)
				differences.push(`${key}: day row ${events} without hours before ${daysClosedBefore}`);
	}
	return { checked, daysClosedBefore, differences };
}
