import type { Knex } from 'knex';
import { SqlDialect, type StatementTimeout } from './sql-dialect';

export class SqliteDialect extends SqlDialect {
	readonly name = 'sqlite' as const;

	rows<T>(result: unknown): T[] {
		return result as T[];
	}

	/** Directus leaves both epoch-millisecond integers (explicit Date values) and UTC text (the column default) in the same column. */
	epochSeconds(column: string): string {
		return `(case when typeof(${column}) in ('integer', 'real') then ${column} / 1000.0 else cast(strftime('%s', ${column}) as integer) end)`;
	}

	override epochWholeSeconds(column: string): string {
		return `cast(${this.epochSeconds(column)} as integer)`;
	}

	/** SQLite's integer division already floors non-negative whole numbers. */
	override floorDiv(value: string, divisor: number): string {
		return `(${value} / ${divisor})`;
	}

	timestampRange(column: string, from: number, to: number | null): { sql: string; bindings: number[] } {
		const epoch = this.epochWholeSeconds(column);
		return to === null
			? { sql: `${epoch} >= ?`, bindings: [from] }
			: { sql: `${epoch} >= ? and ${epoch} < ?`, bindings: [from, to] };
	}

	override tempTable(name: string): string {
		return `temp.${this.quote(name)}`;
	}

	createTempTableAs(name: string, select: string): string[] {
		return [this.dropTempTable(name), `create temp table ${this.quote(name)} as ${select}`];
	}

	override createTempTable(name: string, columns: string): string[] {
		return [this.dropTempTable(name), `create temp table ${this.quote(name)} (${columns})`];
	}

	override readonly locksRows = false;
	override readonly indexesTimestamps = false;

	/** SQLite has no statement timeout: the connection is interrupted instead. */
	async setStatementTimeout(trx: Knex.Transaction, ms: number): Promise<StatementTimeout> {
		const connection =
			(await (trx as unknown as { client: { acquireConnection(): Promise<{ interrupt(): void }> } }).client
				.acquireConnection()
				.catch(() => null)) ?? null;
		const timer = setTimeout(() => connection?.interrupt(), ms);
		return { clear: async () => clearTimeout(timer) };
	}

	/** One writer: a multi-row insert's ids end at last_insert_rowid(). */
	async insertReturningIds(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<number[]> {
		const ids: number[] = [];
		// 9 columns x 300 rows stays far under SQLite's 32,766 bound parameters.
		for (let i = 0; i < rows.length; i += 300) {
			const chunk = rows.slice(i, i + 300);
			const [last] = await trx(table).insert(chunk);
			for (let j = 0; j < chunk.length; j++) ids.push(Number(last) - chunk.length + 1 + j);
		}
		return ids;
	}

	/** As Directus's CURRENT_TIMESTAMP default leaves it: UTC text. */
	override timestampValue(at: number): string {
		return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
	}

	analyzeStatements(tables: readonly string[]): string[] {
		return tables.map((t) => `analyze ${this.quote(t)}`);
	}
}
