import type { Knex } from 'knex';
import { type Dialect } from '../schema/dialect';
import type { AnalyticsWindow } from './analytics-query';
import { rawFiltersSql } from './activity-source';
import type { ActivityRow } from '../../shared/answers';

export const EVENT_COLUMNS = [
	'id',
	'action',
	'user',
	'timestamp',
	'ip',
	'user_agent',
	'origin',
	'collection',
	'item',
] as const;

/** Raw activity rows in the window matching the filters, newest or oldest first by id (keyset, never OFFSET). */
export function selectActivityRows(
	db: Knex | Knex.Transaction,
	dialect: Dialect,
	window: AnalyticsWindow,
	options: {
		item?: string | null;
		afterId?: number | null;
		beforeId?: number | null;
		order: 'asc' | 'desc';
		limit: number;
	},
): Knex.Raw {
	const q = (name: string) => dialect.quote(name);
	const range = dialect.timestampRange(q('timestamp'), window.from, window.to);
	const filters = rawFiltersSql(dialect, window.filters);
	const clauses = [`${range.sql}${filters.sql}`];
	const bindings: (string | number)[] = [...range.bindings, ...filters.bindings];
	if (options.item) {
		clauses.push(`${q('item')} = ?`);
		bindings.push(options.item);
	}
	if (options.afterId !== null && options.afterId !== undefined) {
		clauses.push(`${q('id')} > ?`);
		bindings.push(options.afterId);
	}
	if (options.beforeId !== null && options.beforeId !== undefined) {
		clauses.push(`${q('id')} < ?`);
		bindings.push(options.beforeId);
	}
	const columns = [
		q('id'),
		q('action'),
		`${dialect.dimensionText(q('user'))} as ${q('user')}`,
		`${dialect.epochSeconds(q('timestamp'))} as ${q('epoch')}`,
		q('ip'),
		q('user_agent'),
		q('origin'),
		q('collection'),
		q('item'),
	];
	return db.raw(
		`select ${columns.join(', ')} from ${q('directus_activity')} where ${clauses.join(' and ')} order by ${q('id')} ${options.order} limit ${Math.trunc(options.limit)}`,
		bindings,
	);
}

export function toActivityEvent(row: Record<string, unknown>): ActivityRow {
	const text = (value: unknown) => (value === null || value === undefined || value === '' ? null : String(value));
	return {
		id: Number(row['id']),
		action: String(row['action']),
		user: text(row['user']),
		timestamp: new Date(Math.round(Number(row['epoch']) * 1000)).toISOString(),
		ip: text(row['ip']),
		user_agent: text(row['user_agent']),
		origin: text(row['origin']),
		collection: String(row['collection']),
		item: String(row['item']),
	};
}
