import { PACKAGE_NAME } from '../shared/constants';
import type { AnalyticsStatus } from '../shared/status';
import { countRevisions, readActivityTableStatus } from './activity-table-status';
import type { AnalyticsRuntime } from './analytics-runtime';
import { describeConfig } from './config';
import { readRollupLag } from './rollup/rollup-lag';

const startedAt = new Date().toISOString();

/** Everything GET /analytics/status (and /metrics) reports. */
export async function collectStatus(runtime: AnalyticsRuntime): Promise<AnalyticsStatus> {
	await runtime.ready;
	const { database, config, cache } = runtime;
	const activity = await readActivityTableStatus(database);
	const revisionRows = await countRevisions(database);
	const rollup = await readRollupLag(database);
	return {
		extension: { name: PACKAGE_NAME, startedAt },
		database: { client: String(database.client.config.client) },
		queue: { kind: config.queue },
		config: describeConfig(config),
		activity,
		revisions: { rows: revisionRows },
		rollup,
		cache: { store: cache.store.kind, ...cache.stats, hitRatio: cache.hitRatio() },
	};
}

/** The same figures in Prometheus text exposition format. */
export function formatPrometheus(status: AnalyticsStatus): string {
	const lines: string[] = [];
	const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number | null) => {
		lines.push(`# HELP activity_analytics_${name} ${help}`, `# TYPE activity_analytics_${name} ${type}`, `activity_analytics_${name} ${value ?? 'NaN'}`);
	};
	metric('activity_rows', 'gauge', 'Rows in directus_activity.', status.activity.rows);
	metric('revision_rows', 'gauge', 'Rows in directus_revisions.', status.revisions.rows);
	metric('rollup_watermark', 'gauge', 'Highest activity id absorbed by the rollups.', status.rollup.watermark);
	metric('rollup_lag_rows', 'gauge', 'Activity rows not yet absorbed by the rollups.', status.rollup.lagRows);
	metric('rollup_lag_seconds', 'gauge', 'Age of the oldest activity row not yet absorbed.', status.rollup.lagSeconds);
	metric('rollup_gaps_open', 'gauge', 'Activity ids below the watermark still awaited (late commits).', status.rollup.gapsOpen);
	metric('rollup_last_refresh_duration_ms', 'gauge', 'Duration of the last refresh.', status.rollup.lastRefreshMs);
	metric('rollup_staleness_seconds', 'gauge', 'Seconds since the last refresh.', status.rollup.stalenessSeconds);
	metric('cache_hits_total', 'counter', 'Answers served fresh from the cache by this instance.', status.cache.hits);
	metric('cache_stale_total', 'counter', 'Answers served stale while revalidating.', status.cache.stale);
	metric('cache_misses_total', 'counter', 'Answers computed because nothing was cached.', status.cache.misses);
	metric('cache_errors_total', 'counter', 'Cache store failures (answered from the database).', status.cache.errors);
	metric('cache_hit_ratio', 'gauge', 'Hits and stale answers over all answers.', status.cache.hitRatio);
	return `${lines.join('\n')}\n`;
}
