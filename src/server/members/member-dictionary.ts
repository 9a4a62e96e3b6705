import type { Knex } from 'knex';
import { dialectOf, type Dialect } from '../schema/dialect';
import { dimensionKeys } from '../schema/dimension-keys';
import { MEMBERS_TABLE, type MemberKind } from '../schema/member-tables';

const CHUNK = 500;

/**
 * The ids the dictionary holds for these values, keyed by the values asked for; values it does not hold are
 * left out. MySQL compares by the column's collation (case-insensitive by default), so "FE80::A" finds the
 * id of "fe80::a" there: the asked values are joined in, so each answer names the value it was asked for.
 */
export async function lookupMemberIds(
	db: Knex | Knex.Transaction,
	kind: MemberKind,
	values: Iterable<string>,
): Promise<Map<string, number>> {
	const ids = new Map<string, number>();
	const all = [...new Set(values)];
	const dialect = dialectOf(db as Knex);
	const foldsCase = dialect.foldsCase;
	for (let i = 0; i < all.length; i += CHUNK) {
		const chunk = all.slice(i, i + CHUNK);
		if (foldsCase) {
			const asked = chunk.map(() => 'select ? as v').join(' union all ');
			const rows = dialect.rows<{ asked: string; id: number | string }>(
				await db.raw(
					`select w.v as asked, m.id as id from (${asked}) w join ${dialect.quote(MEMBERS_TABLE)} m on m.kind = ? and m.value = w.v`,
					[...chunk, kind],
				),
			);
			for (const row of rows) ids.set(row.asked, Number(row.id));
			continue;
		}
		const rows: { value: string; id: number | string }[] = await db(MEMBERS_TABLE)
			.where({ kind })
			.whereIn('value', chunk)
			.select('value', 'id');
		for (const row of rows) ids.set(row.value, Number(row.id));
	}
	return ids;
}

// Past this many ids one read of the whole dictionary beats look-ups in chunks.
const WHOLE_DICTIONARY = 2_000;

/** The values of these ids (the reverse of lookupMemberIds); ids the dictionary does not hold are left out. */
export async function lookupMemberValues(
	db: Knex | Knex.Transaction,
	kind: MemberKind,
	ids: readonly number[],
): Promise<Map<number, string>> {
	const values = new Map<number, string>();
	const chunks =
		ids.length > WHOLE_DICTIONARY
			? [null]
			: Array.from({ length: Math.ceil(ids.length / CHUNK) }, (_, i) => ids.slice(i * CHUNK, (i + 1) * CHUNK));
	for (const chunk of chunks) {
		const query = db(MEMBERS_TABLE).where({ kind });
		if (chunk) query.whereIn('id', chunk);
		for (const row of (await query.select('id', 'value')) as { id: number | string; value: string }[])
			values.set(Number(row.id), row.value);
	}
	return values;
}

/**
 * The ids of the values, giving the missing ones the next free ids. Only callers holding the rollup state
 * lock write to the dictionary, so two instances never hand out one id twice.
 */
export async function ensureMemberIds(
	trx: Knex.Transaction,
	kind: MemberKind,
	values: Iterable<string>,
): Promise<Map<string, number>> {
	const wanted = [...new Set(values)];
	const ids = await lookupMemberIds(trx, kind, wanted);
	const missing = wanted.filter((value) => !ids.has(value));
	if (missing.length === 0) return ids;
	const [{ top } = { top: null }] = await trx(MEMBERS_TABLE).where({ kind }).max({ top: 'id' });
	let next = top === null || top === undefined ? 0 : Number(top) + 1;
	const rows = missing.map((value) => ({ kind, value, id: next++ }));
	if (!dialectOf(trx as unknown as Knex).foldsCase) {
		for (let i = 0; i < rows.length; i += CHUNK) await trx(MEMBERS_TABLE).insert(rows.slice(i, i + CHUNK));
		for (const row of rows) ids.set(row.value, row.id);
		return ids;
	}
	// Two new values MySQL's collation holds equal ("FE80::A" and "fe80::a") share the first one's row: the
	// other's insert is skipped (its id number stays unused) and the look-up below finds that row.
	for (let i = 0; i < rows.length; i += CHUNK)
		await trx(MEMBERS_TABLE)
			.insert(rows.slice(i, i + CHUNK))
			.onConflict(['kind', 'value'])
			.ignore();
	const added = await lookupMemberIds(trx, kind, missing);
	for (const value of missing) {
		const id = added.get(value);
		if (id === undefined) throw new Error(`the member dictionary did not take "${value}" (${kind})`);
		ids.set(value, id);
	}
	return ids;
}

/** Forgets values (an erased user, anonymized IPs). Callers take them out of every set first, so a reused id is harmless. */
export async function forgetMembers(
	trx: Knex.Transaction,
	kind: MemberKind,
	values: readonly string[],
): Promise<number> {
	let removed = 0;
	for (let i = 0; i < values.length; i += CHUNK)
		removed += Number(
			await trx(MEMBERS_TABLE)
				.where({ kind })
				.whereIn('value', values.slice(i, i + CHUNK))
				.delete(),
		);
	return removed;
}

/**
 * SQL for the dictionary id of a value, as a correlated subquery on the dictionary's key: a join would have
 * the planner read the whole dictionary for a few edge rows. NULL when the dictionary does not hold it yet.
 */
export function memberIdSql(dialect: Dialect, kindSql: string, valueSql: string): string {
	const q = (name: string) => dialect.quote(name);
	return `(select ${q('m')}.${q('id')} from ${q(MEMBERS_TABLE)} ${q('m')} where ${q('m')}.${q('kind')} = ${kindSql} and ${q('m')}.${q('value')} = ${valueSql})`;
}

/**
 * The id of a staged value ('' has none: null), from the ids looked up for a batch. On MySQL a grouping may
 * spell a value differently from the statement that looked its id up, so values are matched by their key.
 */
export async function stagedMemberIds(
	db: Knex | Knex.Transaction,
	kind: MemberKind,
	ids: ReadonlyMap<string, number>,
): Promise<(value: string) => number | null> {
	const valueKey = (await dimensionKeys(db))[kind];
	const idByKey = new Map([...ids].map(([value, id]) => [valueKey(value), id]));
	return (value) => {
		if (value === '') return null;
		const id = idByKey.get(valueKey(value));
		if (id === undefined) throw new Error(`member "${value}" has no id`);
		return id;
	};
}
