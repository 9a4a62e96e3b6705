import { createHash } from 'node:crypto';
import type { AnalyticsRuntime } from './analytics-runtime';
import type { CacheStatus } from '../cache/analytics-cache';
import { readRollupState } from '../rollup/rollup-state';
import type { AnalyticsWindow } from '../query/analytics-query';
import { withReadSnapshot, type QueryContext } from '../query/read-snapshot';

export interface Answer<R> {
	value: R;
	cache: CacheStatus;
	timings: { cacheMs: number; dbMs: number };
	normalized: string;
}

/** The query in one canonical string: relative ranges stay relative, lists sorted. Cache keys and slow logs use it. */
export function normalizeQuery(route: string, query: AnalyticsWindow & Record<string, unknown>): string {
	const entries = Object.entries(query)
		.filter(([key]) => !(query.range && (key === 'from' || key === 'to')))
		.map(([key, value]) => {
			if (key === 'filters') {
				const filters = value as Record<string, string[]>;
				return [
					key,
					Object.fromEntries(
						Object.keys(filters)
							.sort()
							.map((k) => [k, [...(filters[k] ?? [])].sort()]),
					),
				];
			}
			return [key, value];
		})
		.sort(([a], [b]) => String(a).localeCompare(String(b)));
	return `${route}?${JSON.stringify(Object.fromEntries(entries))}`;
}

/**
 * Answers one analytics query for one access scope: from the cache when fresh, else in a read snapshot
 * over rollups plus the raw tail. The scope is part of the key, so no scope ever sees another's answer.
 */
export async function answerQuery<Q extends AnalyticsWindow, R>(
	runtime: Pick<AnalyticsRuntime, 'ready' | 'database' | 'cache' | 'config'>,
	route: string,
	scope: string,
	query: Q,
	execute: (context: QueryContext, query: Q) => Promise<R>,
): Promise<Answer<R>> {
	await runtime.ready;
	const normalized = normalizeQuery(route, query as Q & Record<string, unknown>);
	const key = `v1:${createHash('sha256').update(`${scope}\n${normalized}`).digest('hex').slice(0, 40)}`;
	let dbMs = 0;
	const started = performance.now();
	const { generation } = await readRollupState(runtime.database);
	const result = await runtime.cache.getOrLoad(key, generation, async () => {
		const dbStarted = performance.now();
		const loaded = await withReadSnapshot(runtime.database, runtime.config.statementTimeoutMs, async (context) => ({
			value: await execute(context, query),
			generation: context.generation,
		}));
		dbMs = performance.now() - dbStarted;
		return loaded;
	});
	const cacheMs = Math.max(0, performance.now() - started - dbMs);
	return { value: result.value as R, cache: result.status, timings: { cacheMs, dbMs }, normalized };
}
