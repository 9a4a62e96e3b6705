import type { Knex } from 'knex';
import { MysqlDialect } from './dialects/mysql-dialect';
import { PostgresDialect } from './dialects/postgres-dialect';
import type { SqlDialect } from './dialects/sql-dialect';
import { SqliteDialect } from './dialects/sqlite-dialect';

export type { DialectName, StatementTimeout } from './dialects/sql-dialect';
export type Dialect = SqlDialect;

const DIALECTS = { postgres: new PostgresDialect(), mysql: new MysqlDialect(), sqlite: new SqliteDialect() } as const;

export function dialectOf(database: Knex): Dialect {
	const client = String(database.client.config.client);
	if (client === 'pg' || client === 'postgres' || client === 'cockroachdb') return DIALECTS.postgres;
	if (client.startsWith('mysql')) return DIALECTS.mysql;
	return DIALECTS.sqlite;
}

/** Epoch ms of a timestamp as a driver or JSON gives it: a Date, SQLite's epoch-ms number or UTC text, or ISO text. */
export function epochMsOf(value: unknown): number {
	if (value instanceof Date) return value.getTime();
	if (typeof value === 'number') return value;
	const text = String(value);
	return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`).getTime();
}
