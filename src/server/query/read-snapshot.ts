import type { Knex } from 'knex';
import { dialectOf, type Dialect } from '../schema/dialect';
import { readUnabsorbed, type UnabsorbedRows } from '../rollup/rollup-state';

export interface QueryContext {
	db: Knex.Transaction;
	dialect: Dialect;
	unabsorbed: UnabsorbedRows;
	generation: number;
}

/** A query that ran past the statement timeout; answered as 503 with a clear message. */
export class AnalyticsTimeoutError extends Error {
	constructor(readonly timeoutMs: number) {
		super(
			`The analytics query took longer than ${timeoutMs} ms and was cancelled. Narrow the window or filters, or raise ACTIVITY_ANALYTICS_STATEMENT_TIMEOUT_MS.`,
		);
		this.name = 'AnalyticsTimeoutError';
	}
}

function isTimeout(error: unknown): boolean {
	const e = error as { code?: string; errno?: number } | null;
	// PostgreSQL query_canceled, MariaDB ER_STATEMENT_TIMEOUT, MySQL ER_QUERY_TIMEOUT, SQLite interrupt.
	return e?.code === '57014' || e?.errno === 1969 || e?.errno === 3024 || e?.code === 'SQLITE_INTERRUPT';
}

/**
 * Runs the work in one read transaction: the watermark, the gaps and every rollup and raw read see the same
 * snapshot, so a refresh committing half-way can neither hide nor double a row. The statement timeout is
 * enforced by the database where it can be (PostgreSQL, MySQL/MariaDB) and by interrupting SQLite.
 */
export async function withReadSnapshot<T>(
	database: Knex,
	timeoutMs: number,
	work: (context: QueryContext) => Promise<T>,
): Promise<T> {
	const dialect = dialectOf(database);
	try {
		return await database.transaction(async (db) => {
			const timeout = await dialect.setStatementTimeout(db, timeoutMs);
			try {
				const { generation, ...unabsorbed } = await readUnabsorbed(db);
				return await work({ db, dialect, unabsorbed, generation });
			} finally {
				await timeout.clear();
			}
		}, dialect.readSnapshotConfig);
	} catch (error) {
		if (isTimeout(error)) throw new AnalyticsTimeoutError(timeoutMs);
		throw error;
	}
}
