import type { Knex } from 'knex';
import type { Dialect } from '../dialect';

type Row = Record<string, unknown>;
export interface ColumnSpec {
	name: string;
	/** PostgreSQL type for json_to_recordset. */
	pgType: string;
}

const sequenceNames = new Map<string, string>();

/**
 * Inserts rows in order and returns their ids in the same order. Each dialect gets its ids differently:
 * PostgreSQL takes them from the sequence first (then one json_to_recordset insert, no parameter limit);
 * MySQL gets the first id of a multi-row insert (consecutive under innodb_autoinc_lock_mode 0 or 1, and row
 * by row otherwise); SQLite has one writer, so a multi-row insert's ids end at last_insert_rowid().
 */
export async function insertReturningIds(trx: Knex.Transaction, dialect: Dialect, table: string, columns: readonly ColumnSpec[], rows: Row[]): Promise<number[]> {
	if (rows.length === 0) return [];
	if (dialect === 'postgres') return insertPostgres(trx, table, columns, rows);
	if (dialect === 'mysql') return insertMysql(trx, table, rows);
	return insertSqlite(trx, table, rows);
}

async function insertPostgres(trx: Knex.Transaction, table: string, columns: readonly ColumnSpec[], rows: Row[]): Promise<number[]> {
	let sequence = sequenceNames.get(table);
	if (!sequence) {
		const found = await trx.raw<{ rows: { name: string | null }[] }>(`select pg_get_serial_sequence(?, 'id') as name`, [table]);
		sequence = found.rows[0]?.name ?? undefined;
		if (!sequence) throw new Error(`${table}.id has no sequence`);
		sequenceNames.set(table, sequence);
	}
	const allocated = await trx.raw<{ rows: { id: string }[] }>(`select nextval(?::regclass)::text as id from generate_series(1, ?)`, [sequence, rows.length]);
	const ids = allocated.rows.map((r) => Number(r.id));
	const names = ['id', ...columns.map((c) => c.name)].map((n) => `"${n}"`).join(', ');
	const definition = [`"id" bigint`, ...columns.map((c) => `"${c.name}" ${c.pgType}`)].join(', ');
	const payload = JSON.stringify(rows.map((row, i) => ({ ...row, id: ids[i] })));
	await trx.raw(`insert into "${table}" (${names}) select ${names} from json_to_recordset(?::json) as x(${definition})`, [payload]);
	return ids;
}

let mysqlConsecutive: boolean | null = null;

async function insertMysql(trx: Knex.Transaction, table: string, rows: Row[]): Promise<number[]> {
	if (mysqlConsecutive === null) {
		const [result] = (await trx.raw('select @@innodb_autoinc_lock_mode as mode')) as [{ mode: number }[]];
		mysqlConsecutive = Number(result?.[0]?.mode ?? 2) < 2;
	}
	if (!mysqlConsecutive) {
		const ids: number[] = [];
		for (const row of rows) ids.push(Number((await trx(table).insert(row))[0]));
		return ids;
	}
	const ids: number[] = [];
	for (let i = 0; i < rows.length; i += 1000) {
		const chunk = rows.slice(i, i + 1000);
		const [first] = await trx(table).insert(chunk);
		for (let j = 0; j < chunk.length; j++) ids.push(Number(first) + j);
	}
	return ids;
}

async function insertSqlite(trx: Knex.Transaction, table: string, rows: Row[]): Promise<number[]> {
	const ids: number[] = [];
	// 9 columns x 300 rows stays far under SQLite's 32,766 bound parameters.
	for (let i = 0; i < rows.length; i += 300) {
		const chunk = rows.slice(i, i + 300);
		const [last] = await trx(table).insert(chunk);
		for (let j = 0; j < chunk.length; j++) ids.push(Number(last) - chunk.length + 1 + j);
	}
	return ids;
}
