import { visitMemberCounts } from '../members/member-count-codec';
import { cachedDictionary, memberIdColumn, memberIdOf } from '../members/dictionary-cache';
import { lookupMemberIds, lookupMemberValues } from '../members/member-dictionary';
import { dimensionKeys } from '../schema/dimension-keys';
import {
	MEMBER_COUNTS_TABLE,
	MEMBER_QUARTERS_TABLE,
	MEMBER_READ_GRAINS,
	type MemberKind,
} from '../schema/member-tables';
import { bucketRangesSql, rawRowParts, rollupRangesByGrain, type DimensionFilters } from './activity-source';
import { byCountThenKey } from './rank-order';
import type { QueryContext } from './read-snapshot';
import { splitWindow } from './window-segments';

/** The count vectors hold every collection together: they answer when nothing is filtered. */
export function memberCountsServe(filters: DimensionFilters): boolean {
	return Object.values(filters).every((values) => (values?.length ?? 0) === 0);
}

/** Events per id in a typed array that grows with the largest id seen. */
class EventTotals {
	values = new Float64Array(1024);
	add(id: number, count: number): void {
		if (id >= this.values.length) {
			const grown = new Float64Array(Math.max(id + 1, this.values.length * 2));
			grown.set(this.values);
			this.values = grown;
		}
		this.values[id]! += count;
	}
}

/**
 * Events per user or IP over [from, to), exact: the count vectors of whole hours and days and the quarter
 * vectors of whole quarter hours summed in memory, plus the raw rows they leave out. Returns the top `limit`
 * keys (events descending, then key), or, given `keys`, the events of those keys. The NULL key is the events
 * with no user or IP.
 */
export async function eventsByMember(
	context: QueryContext,
	kind: MemberKind,
	range: { from: number; to: number },
	limit: number,
	keys: readonly (string | null)[] | null,
): Promise<Map<string | null, number>> {
	const q = (name: string) => context.dialect.quote(name);
	const segments = splitWindow(range.from, range.to, MEMBER_READ_GRAINS);
	const totals = new EventTotals();
	let none = 0;
	// Every grain's vectors in one statement, one part per grain on its own index. Quarter hours keep a vector
	// per collection: summed here like the rest.
	const vectorParts: { sql: string; bindings: (string | number)[] }[] = [];
	for (const [grain, ranges] of rollupRangesByGrain(segments)) {
		const bucketRanges = bucketRangesSql(context.dialect, ranges);
		vectorParts.push(
			grain === 'q'
				? {
						sql: `select ${q('counts')} from ${q(MEMBER_QUARTERS_TABLE)} where ${q('kind')} = ? and ${bucketRanges.sql}`,
						bindings: [kind, ...bucketRanges.bindings],
					}
				: {
						sql: `select ${q('counts')} from ${q(MEMBER_COUNTS_TABLE)} where ${q('kind')} = ? and ${q('grain')} = ? and ${bucketRanges.sql}`,
						bindings: [kind, grain, ...bucketRanges.bindings],
					},
		);
	}
	if (vectorParts.length > 0) {
		const rows = context.dialect.rows<{ counts: Uint8Array }>(
			await context.db.raw(
				vectorParts.map((part) => part.sql).join(' union all '),
				vectorParts.flatMap((part) => part.bindings),
			),
		);
		for (const row of rows) none += visitMemberCounts(row.counts, (id, count) => totals.add(id, count));
	}

	// Values the dictionary does not hold yet (newer than the last refresh) are in no vector: counted by value,
	// under the key the database compares values by (on MySQL "FE80::A" and "fe80::a" are one value).
	const keyOf = (await dimensionKeys(context.db))[kind];
	const unknown = new Map<string, { value: string; count: number }>();
	const parts = rawRowParts(
		context.dialect,
		{ select: [kind], filters: {}, ranges: [range], unabsorbed: context.unabsorbed },
		segments,
	);
	if (parts.length > 0) {
		const dictionary = await cachedDictionary(context);
		const idColumn = memberIdColumn(context.dialect, dictionary, `'${kind}'`, `${q('r')}.${q('v')}`, q('id'));
		const rows = context.dialect.rows<{ v: string; n: number | string; id?: number | string | null }>(
			await context.db.raw(
				`select ${q('r')}.*${idColumn} from (select ${q(kind)} as ${q('v')}, count(*) as ${q('n')} from (${parts.map((p) => p.sql).join(' union all ')}) ${q('s')} group by ${q(kind)}) ${q('r')}`,
				parts.flatMap((p) => p.bindings),
			),
		);
		for (const row of rows) {
			if (row.v === '') {
				none += Number(row.n);
				continue;
			}
			const valueKey = keyOf(row.v);
			const id = memberIdOf(dictionary, kind, valueKey, row.id);
			if (id !== null) {
				totals.add(id, Number(row.n));
				continue;
			}
			const entry = unknown.get(valueKey) ?? { value: row.v, count: 0 };
			entry.count += Number(row.n);
			unknown.set(valueKey, entry);
		}
	}

	if (keys) {
		const ids = await lookupMemberIds(
			context.db,
			kind,
			keys.filter((key): key is string => key !== null),
		);
		return new Map(
			keys.map((key) => [
				key,
				key === null
					? none
					: (unknown.get(keyOf(key))?.count ?? 0) + (ids.has(key) ? (totals.values[ids.get(key)!] ?? 0) : 0),
			]),
		);
	}

	// The limit-th largest count; every id at or above it is a candidate, so ties are ranked by key below.
	const counts: number[] = [];
	totals.values.forEach((count) => {
		if (count > 0) counts.push(count);
	});
	for (const { count } of unknown.values()) counts.push(count);
	if (none > 0) counts.push(none);
	if (counts.length === 0) return new Map();
	counts.sort((a, b) => b - a);
	const cut = counts[Math.min(limit, counts.length) - 1]!;
	const candidateIds: number[] = [];
	totals.values.forEach((count, id) => {
		if (count >= cut) candidateIds.push(id);
	});
	const values = await lookupMemberValues(context.db, kind, candidateIds);
	const ranked: [string | null, number][] = candidateIds.map((id) => {
		const value = values.get(id);
		if (value === undefined) throw new Error(`member id ${id} of kind ${kind} is not in the dictionary`);
		return [value, totals.values[id]!];
	});
	for (const { value, count } of unknown.values()) if (count >= cut) ranked.push([value, count]);
	if (none >= cut && none > 0) ranked.push([null, none]);
	ranked.sort(byCountThenKey);
	return new Map(ranked.slice(0, limit));
}
