import { PACKAGE_NAME } from '../../shared/constants';
import type { AnalyticsStatus, StatusWarning } from '../../shared/status';
import { countRevisions, readActivityTableStatus, sampleRecentAddresses } from './activity-table-status';
import type { AnalyticsRuntime } from './analytics-runtime';
import { describeConfig } from '../schema/config';
import { judgeProxyAddresses, proxyWarning } from './proxy-address';
import { readRollupLag } from '../rollup/rollup-lag';
import { listWriterCollections } from '../writer/swap-collections';
import { readViewRefreshes } from '../maintenance/refresh-materialized-views';

const startedAt = new Date().toISOString();

/** Everything GET /analytics/status (and /metrics) reports. */
export async function collectStatus(runtime: AnalyticsRuntime): Promise<AnalyticsStatus> {
	await runtime.ready;
	const { database, config, cache } = runtime;
	const activity = await readActivityTableStatus(database);
	const revisionRows = await countRevisions(database);
	const rollup = await readRollupLag(database);
	const collections = (await listWriterCollections(database)).map(({ collection, original_accountability }) => ({
		collection,
		original_accountability,
	}));
	const writer = { ...(await runtime.writer.status()), collections };
	const addresses = judgeProxyAddresses(await sampleRecentAddresses(database));
	const durabilityWarning: StatusWarning | null = writer.durability.lossPossible
		? { code: 'QUEUE_NOT_DURABLE', message: `Acknowledged activity could be lost: ${writer.durability.detail}.` }
		: null;
	const warnings = [proxyWarning(addresses, config.ipTrustProxy), durabilityWarning].filter((w) => w !== null);
	return {
		warnings,
		addresses: { ...addresses, trustProxy: config.ipTrustProxy },
		extension: { name: PACKAGE_NAME, startedAt },
		database: { client: String(database.client.config.client) },
		queue: { kind: config.queue },
		writer,
		views: await readViewRefreshes(database),
		process: processFigures(),
		schedule: { refreshRuns: runtime.scheduledRuns.refresh, retentionRuns: runtime.scheduledRuns.retention },
		config: describeConfig(config),
		activity,
		revisions: revisionRows,
		rollup,
		cache: { store: cache.store.kind, ...cache.stats, hitRatio: cache.hitRatio() },
	};
}

function processFigures(): AnalyticsStatus['process'] {
	const memory = process.memoryUsage();
	return {
		rss: memory.rss,
		heapUsed: memory.heapUsed,
		heapTotal: memory.heapTotal,
		uptimeSeconds: Math.round(process.uptime()),
	};
}

/** The same figures in Prometheus text exposition format. */
export function formatPrometheus(status: AnalyticsStatus): string {
	const lines: string[] = [];
	const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number | null) => {
		lines.push(
			`# HELP activity_analytics_${name} ${help}`,
			`# TYPE activity_analytics_${name} ${type}`,
			`activity_analytics_${name} ${value ?? 'NaN'}`,
		);
	};
	metric('activity_rows', 'gauge', 'Rows in directus_activity.', status.activity.rows);
	metric(
		'behind_untrusted_proxy',
		'gauge',
		'1 when nearly every recent event carries one internal IP (see IP_TRUST_PROXY).',
		status.addresses.behindProxy ? 1 : 0,
	);
	metric(
		'writer_loss_possible',
		'gauge',
		'1 when an acknowledged event could be lost by a hard kill or a Redis crash (see /analytics/status).',
		status.writer.durability.lossPossible ? 1 : 0,
	);
	metric('revision_rows', 'gauge', 'Rows in directus_revisions.', status.revisions.rows);
	metric('rollup_watermark', 'gauge', 'Highest activity id absorbed by the rollups.', status.rollup.watermark);
	metric('rollup_lag_rows', 'gauge', 'Activity rows not yet absorbed by the rollups.', status.rollup.lagRows);
	metric('rollup_lag_seconds', 'gauge', 'Age of the oldest activity row not yet absorbed.', status.rollup.lagSeconds);
	metric(
		'rollup_gaps_open',
		'gauge',
		'Activity ids below the watermark still awaited (late commits).',
		status.rollup.gapsOpen,
	);
	metric('rollup_last_refresh_duration_ms', 'gauge', 'Duration of the last refresh.', status.rollup.lastRefreshMs);
	metric('rollup_staleness_seconds', 'gauge', 'Seconds since the last refresh.', status.rollup.stalenessSeconds);
	const w = status.writer;
	metric('process_rss_bytes', 'gauge', 'Resident memory of this instance.', status.process.rss);
	metric('process_heap_used_bytes', 'gauge', 'V8 heap in use on this instance.', status.process.heapUsed);
	metric(
		'scheduled_refresh_runs_total',
		'counter',
		'Built-in scheduled refreshes this instance ran.',
		status.schedule.refreshRuns,
	);
	metric(
		'scheduled_retention_runs_total',
		'counter',
		'Built-in scheduled retention runs this instance made.',
		status.schedule.retentionRuns,
	);
	metric('writer_events_captured_total', 'counter', 'Events captured by this instance.', w.eventsCaptured);
	metric('writer_events_written_total', 'counter', 'Events this instance wrote to directus_activity.', w.eventsWritten);
	metric(
		'writer_events_skipped_total',
		'counter',
		'Events a retried batch found already written (not doubled).',
		w.eventsSkipped,
	);
	metric('writer_batches_total', 'counter', 'Batches written.', w.batchesWritten);
	metric('writer_last_flush_ms', 'gauge', 'Duration of the last batch write.', w.lastFlushMs);
	metric('writer_retries_total', 'counter', 'Batch writes retried after a failure.', w.retries);
	metric(
		'writer_sync_writes_total',
		'counter',
		'Events written synchronously (sync action or full queue).',
		w.syncWrites,
	);
	metric(
		'writer_redis_fallbacks_total',
		'counter',
		'Events kept in memory because Redis refused them.',
		w.redisFallbacks,
	);
	metric('writer_claimed_total', 'counter', 'Stream entries claimed from a silent consumer.', w.claimed);
	metric('writer_drops_total', 'counter', 'Events lost at shutdown (must stay 0).', w.drops);
	metric('writer_queue_depth', 'gauge', 'Events waiting to be written.', w.queue.depth);
	metric('writer_oldest_event_age_ms', 'gauge', 'Age of the oldest waiting event.', w.queue.oldestAgeMs ?? 0);
	metric('cache_hits_total', 'counter', 'Answers served fresh from the cache by this instance.', status.cache.hits);
	metric('cache_stale_total', 'counter', 'Answers served stale while revalidating.', status.cache.stale);
	metric('cache_misses_total', 'counter', 'Answers computed because nothing was cached.', status.cache.misses);
	metric('cache_errors_total', 'counter', 'Cache store failures (answered from the database).', status.cache.errors);
	metric('cache_hit_ratio', 'gauge', 'Hits and stale answers over all answers.', status.cache.hitRatio);
	return `${lines.join('\n')}\n`;
}
