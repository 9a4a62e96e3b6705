import type { Knex } from 'knex';
import { quoteIdentifier, type Dialect } from '../dialect';
import { MEMBERS_TABLE, type MemberKind } from './member-tables';

const CHUNK = 500;

/** The ids the dictionary holds for these values; values it does not hold are left out. */
export async function lookupMemberIds(db: Knex | Knex.Transaction, kind: MemberKind, values: Iterable<string>): Promise<Map<string, number>> {
	const ids = new Map<string, number>();
	const all = [...new Set(values)];
	for (let i = 0; i < all.length; i += CHUNK) {
		const rows: { value: string; id: number | string }[] = await db(MEMBERS_TABLE).where({ kind }).whereIn('value', all.slice(i, i + CHUNK)).select('value', 'id');
		for (const row of rows) ids.set(row.value, Number(row.id));
	}
	return ids;
}

// Past this many ids one read of the whole dictionary beats look-ups in chunks.
const WHOLE_DICTIONARY = 2_000;

/** The values of these ids (the reverse of lookupMemberIds); ids the dictionary does not hold are left out. */
export async function lookupMemberValues(db: Knex | Knex.Transaction, kind: MemberKind, ids: readonly number[]): Promise<Map<number, string>> {
	const values = new Map<number, string>();
	const chunks = ids.length > WHOLE_DICTIONARY ? [null] : Array.from({ length: Math.ceil(ids.length / CHUNK) }, (_, i) => ids.slice(i * CHUNK, (i + 1) * CHUNK));
	for (const chunk of chunks) {
		const query = db(MEMBERS_TABLE).where({ kind });
		if (chunk) query.whereIn('id', chunk);
		for (const row of (await query.select('id', 'value')) as { id: number | string; value: string }[]) values.set(Number(row.id), row.value);
	}
	return values;
}

/**
 * The ids of the values, giving the missing ones the next free ids. Only callers holding the rollup state
 * lock write to the dictionary, so two instances never hand out one id twice.
 */
export async function ensureMemberIds(trx: Knex.Transaction, kind: MemberKind, values: Iterable<string>): Promise<Map<string, number>> {
	const wanted = [...new Set(values)];
	const ids = await lookupMemberIds(trx, kind, wanted);
	const missing = wanted.filter((value) => !ids.has(value));
	if (missing.length === 0) return ids;
	const [{ top } = { top: null }] = await trx(MEMBERS_TABLE).where({ kind }).max({ top: 'id' });
	let next = top === null || top === undefined ? 0 : Number(top) + 1;
	const rows = missing.map((value) => ({ kind, value, id: next++ }));
	for (let i = 0; i < rows.length; i += CHUNK) await trx(MEMBERS_TABLE).insert(rows.slice(i, i + CHUNK));
	for (const row of rows) ids.set(row.value, row.id);
	return ids;
}

/** Forgets values (an erased user, anonymized IPs). Callers take them out of every set first, so a reused id is harmless. */
export async function forgetMembers(trx: Knex.Transaction, kind: MemberKind, values: readonly string[]): Promise<number> {
	let removed = 0;
	for (let i = 0; i < values.length; i += CHUNK) removed += Number(await trx(MEMBERS_TABLE).where({ kind }).whereIn('value', values.slice(i, i + CHUNK)).delete());
	return removed;
}

/**
 * SQL for the dictionary id of a value, as a correlated subquery on the dictionary's key: a join would have
 * the planner read the whole dictionary for a few edge rows. NULL when the dictionary does not hold it yet.
 */
export function memberIdSql(dialect: Dialect, kindSql: string, valueSql: string): string {
	const q = (name: string) => quoteIdentifier(dialect, name);
	return `(select ${q('m')}.${q('id')} from ${q(MEMBERS_TABLE)} ${q('m')} where ${q('m')}.${q('kind')} = ${kindSql} and ${q('m')}.${q('value')} = ${valueSql})`;
}
