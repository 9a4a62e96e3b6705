import { TypedFastBitSet } from 'typedfastbitset';
import { addEncodedMembers } from '../members/member-set-codec';
import { visitMemberCounts } from '../members/member-count-codec';
import { cachedDictionary, memberIdColumn, memberIdOf } from '../members/dictionary-cache';
import { dimensionKeys } from '../schema/dimension-keys';
import { MEMBER_QUARTERS_TABLE, MEMBER_READ_GRAINS, MEMBER_SETS_TABLE, type MemberKind } from '../schema/member-tables';
import { DIMENSIONS } from '../schema/rollup-tables';
import { bucketRangesSql, rawRowParts, rollupRangesByGrain, type DimensionFilters } from './activity-source';
import type { QueryContext } from './read-snapshot';
import { splitWindow } from './window-segments';

/** The member sets are kept per collection: they answer when nothing else is filtered. */
export function memberSetsServe(filters: DimensionFilters): boolean {
	return DIMENSIONS.every((dim) => dim === 'collection' || (filters[dim]?.length ?? 0) === 0);
}

interface Members {
	ids: TypedFastBitSet;
	/**
	 * Raw values the dictionary does not hold yet (newer than the last refresh): in no set, so counted apart,
	 * by the key the database compares them by (on MySQL "FE80::A" and "fe80::a" are one value).
	 */
	unknown: Set<string>;
}

/**
 * Exact distinct users or IPs per group over the ranges: the member sets of whole hours and days and the
 * quarter vectors of whole quarter hours, unioned in memory, plus the raw rows they leave out (edges shorter
 * than a quarter hour, and rows newer than the watermark). `groupOf` places a bucket or raw row (its time and
 * collection) in a group, or leaves it out.
 */
export async function countMembers<K>(
	context: QueryContext,
	kind: MemberKind,
	filters: DimensionFilters,
	ranges: readonly { from: number; to: number }[],
	groupOf: (at: number, collection: string) => K | undefined,
	options: { byTime: boolean },
): Promise<Map<K, number>> {
	return (await countMembersOfKinds(context, [kind], filters, ranges, groupOf, options)).get(kind)!;
}

/** countMembers for several kinds at once: one read of the sets per grain and one of the raw rows in all. */
export async function countMembersOfKinds<K>(
	context: QueryContext,
	kinds: readonly MemberKind[],
	filters: DimensionFilters,
	ranges: readonly { from: number; to: number }[],
	groupOf: (at: number, collection: string) => K | undefined,
	options: { byTime: boolean },
): Promise<Map<MemberKind, Map<K, number>>> {
	const q = (name: string) => context.dialect.quote(name);
	const segments = ranges.flatMap((r) => splitWindow(r.from, r.to, MEMBER_READ_GRAINS));
	const groups = new Map<MemberKind, Map<K, Members>>(kinds.map((kind) => [kind, new Map()]));
	const group = (kind: MemberKind, key: K): Members => {
		const byKey = groups.get(kind)!;
		let members = byKey.get(key);
		if (!members) byKey.set(key, (members = { ids: new TypedFastBitSet(), unknown: new Set() }));
		return members;
	};
	const collections = filters.collection ?? [];
	const collectionSql =
		collections.length > 0 ? ` and ${q('collection')} in (${collections.map(() => '?').join(', ')})` : '';
	const kindsSql = `${q('kind')} in (${kinds.map(() => '?').join(', ')})`;

	// Every grain's rows in one statement (one part per grain, each on its own index): quarter hours keep
	// events per member (every member there has a positive count), hours and days a set.
	const setParts: { sql: string; bindings: (string | number)[] }[] = [];
	for (const [grain, grainRanges] of rollupRangesByGrain(segments)) {
		const range = bucketRangesSql(context.dialect, grainRanges);
		setParts.push(
			grain === 'q'
				? {
						sql: `select ${q('kind')}, ${q('bucket')}, ${q('collection')}, ${q('counts')} as ${q('data')}, 1 as ${q('counted')} from ${q(MEMBER_QUARTERS_TABLE)} where ${kindsSql} and ${range.sql}${collectionSql}`,
						bindings: [...kinds, ...range.bindings, ...collections],
					}
				: {
						sql: `select ${q('kind')}, ${q('bucket')}, ${q('collection')}, ${q('members')} as ${q('data')}, 0 as ${q('counted')} from ${q(MEMBER_SETS_TABLE)} where ${kindsSql} and ${q('grain')} = ? and ${range.sql}${collectionSql}`,
						bindings: [...kinds, grain, ...range.bindings, ...collections],
					},
		);
	}
	if (setParts.length > 0) {
		const rows = context.dialect.rows<{
			kind: MemberKind;
			bucket: number | string;
			collection: string;
			data: Uint8Array;
			counted: number | string;
		}>(
			await context.db.raw(
				setParts.map((part) => part.sql).join(' union all '),
				setParts.flatMap((part) => part.bindings),
			),
		);
		for (const row of rows) {
			const key = groupOf(Number(row.bucket), row.collection);
			if (key === undefined) continue;
			const ids = group(row.kind, key).ids;
			if (Number(row.counted) === 1) visitMemberCounts(row.data, (id) => ids.add(id));
			else addEncodedMembers(ids, row.data);
		}
	}

	const parts = rawRowParts(
		context.dialect,
		{ select: ['collection', ...kinds], filters, ranges, unabsorbed: context.unabsorbed },
		segments,
	);
	if (parts.length > 0) {
		// Each distinct raw value comes with its dictionary id; the raw rows are read once (a CTE) for all kinds.
		const time = options.byTime ? `${q('at')}, ` : '';
		const perKind = kinds.map(
			(kind) =>
				`select distinct '${kind}' as ${q('k')}, ${time}${q('collection')}, ${q(kind)} as ${q('v')} from ${q('s')} where ${q(kind)} <> ''`,
		);
		// Ids from the in-memory dictionary when it is held, else one look-up per value in SQL.
		const dictionary = await cachedDictionary(context);
		const idColumn = memberIdColumn(context.dialect, dictionary, `${q('r')}.${q('k')}`, `${q('r')}.${q('v')}`, q('id'));
		const rows = context.dialect.rows<{
			k: MemberKind;
			at?: number | string;
			collection: string;
			v: string;
			id?: number | string | null;
		}>(
			await context.db.raw(
				`with ${q('s')} as (${parts.map((p) => p.sql).join(' union all ')}) select ${q('r')}.*${idColumn} from (${perKind.join(' union all ')}) ${q('r')}`,
				parts.flatMap((p) => p.bindings),
			),
		);
		const keyOf = await dimensionKeys(context.db);
		for (const row of rows) {
			const key = groupOf(Number(row.at ?? 0), row.collection);
			if (key === undefined) continue;
			const valueKey = keyOf[row.k](row.v);
			const id = memberIdOf(dictionary, row.k, valueKey, row.id);
			if (id === null) group(row.k, key).unknown.add(valueKey);
			else group(row.k, key).ids.add(id);
		}
	}
	return new Map(
		kinds.map((kind) => [
			kind,
			new Map([...groups.get(kind)!].map(([key, members]) => [key, members.ids.size() + members.unknown.size])),
		]),
	);
}
