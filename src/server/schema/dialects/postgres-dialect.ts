import type { Knex } from 'knex';
import { SqlDialect, type StatementTimeout } from './sql-dialect';

export class PostgresDialect extends SqlDialect {
	readonly name = 'postgres' as const;

	override readonly partitionsArchive = true;
	override readonly hasMaterializedViews = true;

	override dropTriggerSql(trigger: string, table: string): string {
		return `drop trigger ${this.quote(trigger)} on ${this.quote(table)}`;
	}

	rows<T>(result: unknown): T[] {
		return (result as { rows: T[] }).rows;
	}

	epochSeconds(column: string): string {
		return `extract(epoch from ${column})`;
	}

	timestampRange(column: string, from: number, to: number | null): { sql: string; bindings: number[] } {
		return to === null
			? { sql: `${column} >= to_timestamp(?)`, bindings: [from] }
			: { sql: `${column} >= to_timestamp(?) and ${column} < to_timestamp(?)`, bindings: [from, to] };
	}

	override asText(column: string): string {
		return `${column}::text`;
	}

	createTempTableAs(name: string, select: string): string[] {
		return [this.dropTempTable(name), `create temporary table ${this.tempTable(name)} on commit drop as ${select}`];
	}

	override readonly readSnapshotConfig: Knex.TransactionConfig = { isolationLevel: 'repeatable read', readOnly: true };

	async setStatementTimeout(trx: Knex.Transaction, ms: number): Promise<StatementTimeout> {
		// Local to the transaction: nothing to undo.
		await trx.raw(`set local statement_timeout = ${Math.trunc(ms)}`);
		return { clear: async () => undefined };
	}

	insertReturningIds(): Promise<number[]> {
		throw new Error('PostgreSQL writes its batches in one statement (write-batch-postgres.ts)');
	}

	analyzeStatements(tables: readonly string[]): string[] {
		return tables.map((t) => `vacuum (analyze) ${this.quote(t)}`);
	}

	override async estimatedRows(database: Knex, table: string): Promise<number | null> {
		const [row] = this.rows<{ n: string | number | null }>(
			await database.raw('select reltuples as n from pg_class where oid = to_regclass(?)', [table]),
		);
		return row?.n === null || row?.n === undefined ? null : Number(row.n);
	}
}
