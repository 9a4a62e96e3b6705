import type { Knex } from 'knex';
import type { Dialect } from '../schema/dialect';

type Row = Record<string, unknown>;

/**
 * Inserts rows in order and returns their ids in the same order (MySQL and SQLite; PostgreSQL draws its ids from
 * the sequences in one statement, see write-batch-postgres.ts). MySQL gives the first id of a multi-row insert,
 * consecutive under innodb_autoinc_lock_mode 0 or 1 (row by row otherwise); SQLite has one writer, so a
 * multi-row insert's ids end at last_insert_rowid().
 */
export async function insertReturningIds(trx: Knex.Transaction, dialect: Exclude<Dialect, 'postgres'>, table: string, rows: Row[]): Promise<number[]> {
	if (rows.length === 0) return [];
	if (dialect === 'mysql') return insertMysql(trx, table, rows);
	return insertSqlite(trx, table, rows);
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
