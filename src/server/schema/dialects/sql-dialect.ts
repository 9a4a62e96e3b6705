import type { Knex } from 'knex';

export type DialectName = 'postgres' | 'mysql' | 'sqlite';

/** What a statement's timeout set up, undone when the transaction ends. */
export interface StatementTimeout {
	clear(): Promise<void>;
}

/**
 * Everything that differs between the databases we run on, in one place per database (as Directus core's
 * database helpers do): quoting, epoch arithmetic, upserts, insert-ignore, temporary tables, returned ids,
 * locks and timeouts. Domain code asks the dialect and never branches on the database itself.
 */
export abstract class SqlDialect {
	abstract readonly name: DialectName;

	quote(name: string): string {
		return `"${name.replace(/"/g, '""')}"`;
	}

	/** Rows from knex.raw. */
	abstract rows<T = Record<string, unknown>>(result: unknown): T[];

	/** A Directus timestamp column as epoch seconds. */
	abstract epochSeconds(column: string): string;

	/**
	 * The earliest or latest value of a timestamp column as epoch seconds: of the bare column where an index
	 * answers it, else of the normalised values (SQLite sorts its integer timestamps before its text ones).
	 */
	extremeEpochSeconds(fn: 'min' | 'max', column: string): string {
		return this.indexesTimestamps ? this.epochSeconds(`${fn}(${column})`) : `${fn}(${this.epochSeconds(column)})`;
	}

	/** Whole epoch seconds (floored), the unit every bucket and window boundary uses. */
	epochWholeSeconds(column: string): string {
		return `floor(${this.epochSeconds(column)})`;
	}

	/** `floor(value / divisor)` for whole-number values. */
	floorDiv(value: string, divisor: number): string {
		return `floor(${value} / ${divisor})`;
	}

	/** `column` in [from, to) (epoch seconds), or from `from` on when `to` is null, written to use the timestamp index. */
	abstract timestampRange(column: string, from: number, to: number | null): { sql: string; bindings: number[] };

	/** A nullable column as text, NULL as '' (how the rollups store it). */
	dimensionText(column: string): string {
		return `coalesce(${this.asText(column)}, '')`;
	}

	/** A uuid or json column as text, for copying into a text column. */
	asText(column: string): string {
		return column;
	}

	/**
	 * `insert into table (columns) <select>` where a row with the same key takes the new events added to its own
	 * ('add') or in place of them ('replace'): the one rollup upsert every writer of the rollups uses.
	 */
	upsertEvents(
		table: string,
		columns: readonly string[],
		key: readonly string[],
		select: string,
		mode: 'add' | 'replace',
	): string {
		const q = (name: string) => this.quote(name);
		const events = mode === 'add' ? `${q(table)}.${q('events')} + excluded.${q('events')}` : `excluded.${q('events')}`;
		return `insert into ${q(table)} (${columns.map(q).join(', ')}) ${select} on conflict (${key.map(q).join(', ')}) do update set ${q('events')} = ${events}`;
	}

	/** `insert into table (columns) <select>` that skips rows whose key is taken (the select needs a WHERE: SQLite parses ON otherwise). */
	insertIgnore(table: string, columns: string, select: string): string {
		return `insert into ${this.quote(table)} (${columns}) ${select} on conflict do nothing`;
	}

	/** A temporary table by name, as later statements refer to it. */
	tempTable(name: string): string {
		return this.quote(name);
	}

	/** Statements that (re)create a temporary table from a select, for this transaction. */
	abstract createTempTableAs(name: string, select: string): string[];

	/** Statements that create a temporary table with the given column definitions. */
	createTempTable(name: string, columns: string): string[] {
		return [this.dropTempTable(name), `create temporary table ${this.tempTable(name)} (${columns})`];
	}

	dropTempTable(name: string): string {
		return `drop table if exists ${this.tempTable(name)}`;
	}

	/** The archive tables are partitioned by month (PostgreSQL): expiring a month is a DROP TABLE. */
	readonly partitionsArchive: boolean = false;

	/** Materialized views exist to be refreshed (PostgreSQL). */
	readonly hasMaterializedViews: boolean = false;

	/** DDL takes part in transactions (MySQL commits each statement of it at once). */
	readonly transactionalDdl: boolean = true;

	/** `drop trigger` names the table too (PostgreSQL's trigger names are per table). */
	dropTriggerSql(trigger: string, _table: string): string {
		return `drop trigger ${this.quote(trigger)}`;
	}

	/**
	 * A time range on directus_activity can use an index, so an hour's close reads only that hour. Not on
	 * SQLite: Directus stores its timestamps there as text or as numbers.
	 */
	readonly indexesTimestamps: boolean = true;

	/**
	 * Text compares by a collation that may fold case and accents (MySQL's default), so two keys a query holds
	 * apart can be one row's key.
	 */
	readonly foldsCase: boolean = false;

	/** Whether SELECT ... FOR UPDATE locks rows (SQLite locks the whole database on the first write instead). */
	readonly locksRows: boolean = true;

	/** The transaction settings for a long INSERT ... SELECT that must not lock what it reads. */
	readonly nonLockingReadConfig: Knex.TransactionConfig | undefined = undefined;

	/**
	 * The settings of a read-only snapshot where the database has one (repeatable read). Given to the
	 * transaction itself, so its BEGIN carries them: no statement of its own.
	 */
	readonly readSnapshotConfig: Knex.TransactionConfig | undefined = undefined;

	/** Stops any statement of the transaction running past `ms`. */
	abstract setStatementTimeout(trx: Knex.Transaction, ms: number): Promise<StatementTimeout>;

	/**
	 * Inserts rows in order and returns their ids in the same order. PostgreSQL writes batches in one statement
	 * (write-batch-postgres.ts) and never needs it.
	 */
	abstract insertReturningIds(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<number[]>;

	/** An activity row's timestamp as Directus's own writes leave it. */
	timestampValue(at: number): unknown {
		return new Date(at);
	}

	/** Fresh planner statistics for the tables after large deletes. */
	abstract analyzeStatements(tables: readonly string[]): string[];

	/** The planner's row estimate for a table, or null where the database keeps none worth reading. */
	async estimatedRows(_database: Knex, _table: string): Promise<number | null> {
		return null;
	}
}
