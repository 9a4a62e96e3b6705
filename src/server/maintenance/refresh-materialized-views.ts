import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import { VIEW_REFRESHES_TABLE } from '../schema/retention-tables';

export class UnknownViewError extends Error {}

export interface ViewRefresh {
	view: string;
	concurrently: boolean;
	durationMs: number;
}

/**
 * Refreshes the user's PostgreSQL materialized views, CONCURRENTLY (readers never blocked) where a unique index
 * allows it and the view is populated, and records each refresh for /analytics/status. Unknown views are named.
 */
export async function refreshMaterializedViews(database: Knex, views: string[]): Promise<ViewRefresh[]> {
	if (views.length === 0) return [];
	if (!dialectOf(database).hasMaterializedViews)
		throw new UnknownViewError('materialized views exist only on PostgreSQL');
	const result = await database.raw<{ rows: { name: string; populated: boolean; unique_index: boolean }[] }>(
		`select m.matviewname as name, m.ispopulated as populated,
			exists (select 1 from pg_index x join pg_class c on c.oid = x.indrelid where c.relname = m.matviewname and c.relnamespace = current_schema()::regnamespace and x.indisunique and x.indpred is null) as unique_index
		 from pg_matviews m where m.schemaname = current_schema() and m.matviewname = any(?)`,
		[views],
	);
	const known = new Map(result.rows.map((r) => [r.name, r]));
	const unknown = views.filter((v) => !known.has(v));
	if (unknown.length > 0)
		throw new UnknownViewError(`unknown materialized view${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
	const refreshed: ViewRefresh[] = [];
	for (const view of views) {
		const info = known.get(view)!;
		const concurrently = info.populated && info.unique_index;
		const started = performance.now();
		await database.raw(`refresh materialized view${concurrently ? ' concurrently' : ''} "${view.replace(/"/g, '""')}"`);
		const durationMs = Math.round(performance.now() - started);
		await database(VIEW_REFRESHES_TABLE)
			.insert({ view, refreshed_at: Date.now(), duration_ms: durationMs, concurrently })
			.onConflict('view')
			.merge();
		refreshed.push({ view, concurrently, durationMs });
	}
	return refreshed;
}

export async function readViewRefreshes(
	database: Knex,
): Promise<{ view: string; refreshedAt: string; durationMs: number; concurrently: boolean }[]> {
	const rows = (await database(VIEW_REFRESHES_TABLE).select('*').orderBy('view')) as {
		view: string;
		refreshed_at: number | string;
		duration_ms: number;
		concurrently: boolean | number;
	}[];
	return rows.map((r) => ({
		view: r.view,
		refreshedAt: new Date(Number(r.refreshed_at)).toISOString(),
		durationMs: Number(r.duration_ms),
		concurrently: Boolean(r.concurrently),
	}));
}
