import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';

const TABLES = ['directus_activity', 'directus_revisions'];

/** Fresh planner statistics after large deletes: VACUUM (ANALYZE) on PostgreSQL, ANALYZE TABLE on MySQL, ANALYZE on SQLite. */
export async function analyzeActivityTables(database: Knex): Promise<{ statements: string[]; durationMs: number }> {
	const started = performance.now();
	const dialect = dialectOf(database);
	const statements = dialect.analyzeStatements(TABLES);
	for (const statement of statements) await database.raw(statement);
	return { statements, durationMs: Math.round(performance.now() - started) };
}
