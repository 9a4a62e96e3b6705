import type { Knex } from 'knex';
import { SqlDialect, type StatementTimeout } from './sql-dialect';

// MySQL gives the first id of a multi-row insert, consecutive under innodb_autoinc_lock_mode 0 or 1 (row by
// row otherwise); read once per process.
let consecutiveIds: boolean | null = null;
let mariaDb: boolean | null = null;

export class MysqlDialect extends SqlDialect {
	readonly name = 'mysql' as const;

	override quote(name: string): string {
		return `\`${name.replace(/`/g, '``')}\``;
	}

	override readonly transactionalDdl = false;
	override readonly foldsCase = true;

	rows<T>(result: unknown): T[] {
		return (result as [T[]])[0];
	}

	epochSeconds(column: string): string {
		// For a TIMESTAMP column this is the stored UTC value, whatever the session time zone.
		return `unix_timestamp(${column})`;
	}

	/** from_unixtime() goes through the session time zone (ambiguous around DST): the index range is widened by two hours and the exact test done on unix_timestamp(). */
	timestampRange(column: string, from: number, to: number | null): { sql: string; bindings: number[] } {
		if (to === null)
			return {
				sql: `${column} >= from_unixtime(?) and unix_timestamp(${column}) >= ?`,
				bindings: [Math.max(0, from - 7200), from],
			};
		return {
			sql: `${column} >= from_unixtime(?) and ${column} < from_unixtime(?) and unix_timestamp(${column}) >= ? and unix_timestamp(${column}) < ?`,
			bindings: [Math.max(0, from - 7200), to + 7200, from, to],
		};
	}

	override upsertEvents(
		table: string,
		columns: readonly string[],
		_key: readonly string[],
		select: string,
		mode: 'add' | 'replace',
	): string {
		const q = (name: string) => this.quote(name);
		const events = mode === 'add' ? `${q('events')} + values(${q('events')})` : `values(${q('events')})`;
		return `insert into ${q(table)} (${columns.map(q).join(', ')}) ${select} on duplicate key update ${q('events')} = ${events}`;
	}

	override insertIgnore(table: string, columns: string, select: string): string {
		return `insert ignore into ${this.quote(table)} (${columns}) ${select}`;
	}

	createTempTableAs(name: string, select: string): string[] {
		return [this.dropTempTable(name), `create temporary table ${this.tempTable(name)} as ${select}`];
	}

	override dropTempTable(name: string): string {
		return `drop temporary table if exists ${this.tempTable(name)}`;
	}

	// READ COMMITTED: INSERT ... SELECT then reads without locking, so an open write neither blocks it nor is blocked.
	override readonly nonLockingReadConfig: Knex.TransactionConfig = { isolationLevel: 'read committed' };

	async setStatementTimeout(trx: Knex.Transaction, ms: number): Promise<StatementTimeout> {
		if (mariaDb === null) {
			const [rows] = (await trx.raw('select version() as v')) as [{ v: string }[]];
			mariaDb = /mariadb/i.test(rows[0]?.v ?? '');
		}
		const maria = mariaDb;
		await trx.raw(
			maria ? `set session max_statement_time = ${ms / 1000}` : `set session max_execution_time = ${Math.trunc(ms)}`,
		);
		// A session setting outlives the transaction on a pooled connection: it is reset.
		const reset = maria ? 'set session max_statement_time = 0' : 'set session max_execution_time = 0';
		return {
			clear: () =>
				trx.raw(reset).then(
					() => undefined,
					() => undefined,
				),
		};
	}

	async insertReturningIds(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<number[]> {
		if (consecutiveIds === null) {
			const [result] = (await trx.raw('select @@innodb_autoinc_lock_mode as mode')) as [{ mode: number }[]];
			consecutiveIds = Number(result?.[0]?.mode ?? 2) < 2;
		}
		const ids: number[] = [];
		if (!consecutiveIds) {
			for (const row of rows) ids.push(Number((await trx(table).insert(row))[0]));
			return ids;
		}
		for (let i = 0; i < rows.length; i += 1000) {
			const chunk = rows.slice(i, i + 1000);
			const [first] = await trx(table).insert(chunk);
			for (let j = 0; j < chunk.length; j++) ids.push(Number(first) + j);
		}
		return ids;
	}

	analyzeStatements(tables: readonly string[]): string[] {
		return [`analyze table ${tables.map((t) => this.quote(t)).join(', ')}`];
	}

	override async estimatedRows(database: Knex, table: string): Promise<number | null> {
		const [row] = this.rows<{ n: string | number | null }>(
			await database.raw(
				'select table_rows as n from information_schema.tables where table_schema = database() and table_name = ?',
				[table],
			),
		);
		return row?.n === null || row?.n === undefined ? null : Number(row.n);
	}
}
