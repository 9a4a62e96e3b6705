import { TypedFastBitSet } from 'typedfastbitset';
import { quoteIdentifier } from '../dialect';
import { addEncodedMembers } from '../members/member-set-codec';
import { MEMBER_GRAINS, MEMBER_SETS_TABLE, MEMBERS_TABLE, type MemberKind } from '../members/member-tables';
import { DIMENSIONS } from '../rollup/rollup-tables';
import { bucketRangesSql, rawRowParts, rollupRangesByGrain, type DimensionFilters } from './activity-source';
import type { QueryContext } from './read-snapshot';
import { rowsOf } from './source-query';
import { splitWindow } from './window-segments';

/** The member sets are kept per collection: they answer when nothing else is filtered. */
export function memberSetsServe(filters: DimensionFilters): boolean {
	return DIMENSIONS.every((dim) => dim === 'collection' || (filters[dim]?.length ?? 0) === 0);
}

interface Members {
	ids: TypedFastBitSet;
	/** Raw values the dictionary does not hold yet (newer than the last refresh): in no set, so counted apart. */
	unknown: Set<string>;
}

/**
 * Exact distinct users or IPs per group over the ranges: the member sets of whole hours and days, unioned
 * in memory, plus the raw rows they leave out (edges, and rows newer than the watermark). `groupOf` places a
 * bucket or raw row (its time and collection) in a group, or leaves it out.
 */
export async function countMembers<K>(
	context: QueryContext,
	kind: MemberKind,
	filters: DimensionFilters,
	ranges: readonly { from: number; to: number }[],
	groupOf: (at: number, collection: string) => K | undefined,
	options: { byTime: boolean },
): Promise<Map<K, number>> {
	const q = (name: string) => quoteIdentifier(context.dialect, name);
	const segments = ranges.flatMap((r) => splitWindow(r.from, r.to, MEMBER_GRAINS));
	const groups = new Map<K, Members>();
	const group = (key: K): Members => {
		let members = groups.get(key);
		if (!members) groups.set(key, (members = { ids: new TypedFastBitSet(), unknown: new Set() }));
		return members;
	};
	const collections = filters.collection ?? [];
	const collectionSql = collections.length > 0 ? ` and ${q('collection')} in (${collections.map(() => '?').join(', ')})` : '';

	for (const [grain, grainRanges] of rollupRangesByGrain(segments)) {
		const range = bucketRangesSql(context.dialect, grainRanges);
		const rows = rowsOf<{ bucket: number | string; collection: string; members: Uint8Array }>(
			await context.db.raw(
				`select ${q('bucket')}, ${q('collection')}, ${q('members')} from ${q(MEMBER_SETS_TABLE)} where ${q('kind')} = ? and ${q('grain')} = ? and ${range.sql}${collectionSql}`,
				[kind, grain, ...range.bindings, ...collections],
			),
			context.dialect,
		);
		for (const row of rows) {
			const key = groupOf(Number(row.bucket), row.collection);
			if (key !== undefined) addEncodedMembers(group(key).ids, row.members);
		}
	}

	const parts = rawRowParts(context.dialect, { select: ['collection', kind], filters, ranges, unabsorbed: context.unabsorbed }, segments);
	if (parts.length > 0) {
		// Each distinct raw value comes with its dictionary id, looked up by key (a correlated subquery: a hash
		// join would read the whole dictionary). `kind` is one of two literals, so it is inlined.
		const time = options.byTime ? `${q('at')}, ` : '';
		const id = `(select ${q('m')}.${q('id')} from ${q(MEMBERS_TABLE)} ${q('m')} where ${q('m')}.${q('kind')} = '${kind}' and ${q('m')}.${q('value')} = ${q('r')}.${q('v')})`;
		const rows = rowsOf<{ at?: number | string; collection: string; v: string; id: number | string | null }>(
			await context.db.raw(
				`select ${q('r')}.*, ${id} as ${q('id')} from (select distinct ${time}${q('collection')}, ${q(kind)} as ${q('v')} from (${parts.map((p) => p.sql).join(' union all ')}) ${q('s')} where ${q(kind)} <> '') ${q('r')}`,
				parts.flatMap((p) => p.bindings),
			),
			context.dialect,
		);
		for (const row of rows) {
			const key = groupOf(Number(row.at ?? 0), row.collection);
			if (key === undefined) continue;
			if (row.id === null || row.id === undefined) group(key).unknown.add(row.v);
			else group(key).ids.add(Number(row.id));
		}
	}
	return new Map([...groups].map(([key, members]) => [key, members.ids.size() + members.unknown.size]));
}
