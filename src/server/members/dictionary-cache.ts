import type { Knex } from 'knex';
import type { Dialect } from '../schema/dialect';
import { dimensionKeys } from '../schema/dimension-keys';
import { memberIdSql } from './member-dictionary';
import { MEMBERS_TABLE, type MemberKind } from '../schema/member-tables';

/** The member dictionary of one rollup generation, keyed the way the database compares values. */
export interface CachedDictionary {
	generation: number;
	ids: Record<MemberKind, Map<string, number>>;
}

// Past this many values the dictionary stays in the database (about 100 bytes a value in memory).
export const MAX_CACHED_MEMBERS = 250_000;

let current: { generation: number; dictionary: Promise<CachedDictionary | null> } | undefined;

/**
 * The whole dictionary as of the query's snapshot, read once per generation and shared by every query of
 * it: raw rows at a window's edges then map their values to ids in memory instead of one index look-up per
 * value in SQL (half of such a statement's time). Every change to the dictionary (a refresh that adds
 * values, erasure, anonymization, a backfill's reset) bumps the generation, so a cached copy is never stale
 * for the snapshot that uses it. Null when the dictionary is too large to hold.
 */
export function cachedDictionary(context: {
	db: Knex.Transaction;
	generation: number;
}): Promise<CachedDictionary | null> {
	if (current?.generation === context.generation) return current.dictionary;
	const generation = context.generation;
	const dictionary = (async () => {
		const [{ n } = { n: 0 }] = await context.db(MEMBERS_TABLE).count<{ n: number | string }[]>({ n: '*' });
		if (Number(n) > MAX_CACHED_MEMBERS) return null;
		const keys = await dimensionKeys(context.db);
		const ids: Record<MemberKind, Map<string, number>> = { user: new Map(), ip: new Map() };
		for (const row of (await context.db(MEMBERS_TABLE).select('kind', 'value', 'id')) as {
			kind: MemberKind;
			value: string;
			id: number | string;
		}[]) {
			ids[row.kind]?.set(keys[row.kind](row.value), Number(row.id));
		}
		return { generation, ids };
	})();
	current = { generation, dictionary };
	// A failed read (a timeout, a closed connection) is not kept: the next query tries again.
	dictionary.catch(() => {
		if (current?.dictionary === dictionary) current = undefined;
	});
	return dictionary;
}

/**
 * The `, <id> as id` column a raw-row statement needs: none when the dictionary is held in memory (ids come
 * from `memberIdOf`), else one index probe per value in SQL.
 */
export function memberIdColumn(
	dialect: Dialect,
	dictionary: CachedDictionary | null,
	kindSql: string,
	valueSql: string,
	alias: string,
): string {
	return dictionary ? '' : `, ${memberIdSql(dialect, kindSql, valueSql)} as ${alias}`;
}

/** A raw row's member id: from the in-memory dictionary by the value's key, else the statement's id column. */
export function memberIdOf(
	dictionary: CachedDictionary | null,
	kind: MemberKind,
	key: string,
	sqlId: number | string | null | undefined,
): number | null {
	const id = dictionary ? dictionary.ids[kind].get(key) : sqlId;
	return id === null || id === undefined ? null : Number(id);
}
