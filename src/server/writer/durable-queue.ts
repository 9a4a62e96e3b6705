import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { AnalyticsConfig } from '../schema/config';
import type { Logger } from '../schema/logger';
import type { QueueDurability } from '../../shared/status';
import type { ActivityQueue, LocalQueue } from '../queue/activity-queue';
import { EventSpool } from '../queue/event-spool';
import type { MemoryQueue } from '../queue/memory-queue';
import { judgeDurability, readRedisPersistence } from '../queue/queue-durability';
import { RedisStreamQueue } from '../queue/redis-stream-queue';
import { SpooledQueue } from '../queue/spooled-queue';
import { writeWithRetry, type BatchWriter, type RetryOptions } from '../queue/write-with-retry';
import type { WriterMetrics } from '../queue/writer-metrics';
import { LEDGER_KEEP_MS } from '../store/prune-ledger';

export interface DurableQueueDeps {
	config: AnalyticsConfig;
	logger: Logger;
	database: Knex;
	redis: Redis | null;
	/** Our migrations (the ledger table) are applied; a function, so that merely wiring up starts none. */
	ready: () => Promise<void>;
	memory: MemoryQueue;
	write: BatchWriter;
	metrics: WriterMetrics;
	retry: RetryOptions;
}

export interface QueueChoice {
	queue: ActivityQueue;
	durability: QueueDurability;
	/** No queue keeps an answered event safe: every event is written before its answer. */
	syncAll: boolean;
}

/** Names the database (client, server and database, or the SQLite file) without its credentials. */
function databaseIdentity(database: Knex): string {
	const config = database.client.config as { client?: unknown; connection?: unknown };
	const connection = (
		typeof config.connection === 'object' && config.connection !== null ? config.connection : {}
	) as Record<string, unknown>;
	const where =
		connection['filename'] ??
		`${String(connection['host'] ?? '')}:${String(connection['port'] ?? '')}/${String(connection['database'] ?? '')}`;
	return `${String(config.client)}:${String(where)}`;
}

/**
 * Where answered events wait: the Redis stream when Redis keeps what it acknowledges (or durability is not
 * required), else this process's queue behind the spool, else (spool off and durability required) nowhere:
 * they are written synchronously. Redis is asked about its persistence once, at start.
 */
export function createDurableQueue(deps: DurableQueueDeps) {
	const { config, logger, memory, write, metrics, retry } = deps;
	const spool = config.spool
		? new EventSpool({
				dir: config.spoolDir ?? join(process.cwd(), '.activity-analytics-spool'),
				database: databaseIdentity(deps.database),
			})
		: null;
	const local: LocalQueue = spool ? new SpooledQueue(memory, spool, config.spoolCommitMs, metrics, logger) : memory;
	const judgeLocal = (sync: boolean) => judgeDurability('memory', { spool: spool !== null, sync });

	async function choose(): Promise<QueueChoice> {
		const redis = config.queue === 'redis' ? deps.redis : null;
		if (!redis) {
			const syncAll = config.requireDurableQueue && !spool;
			const durability = judgeLocal(syncAll);
			if (durability.lossPossible) logger.warn(`activity analytics: ${durability.detail}`);
			return { queue: local, durability, syncAll };
		}
		const persistence = await readRedisPersistence(redis);
		const durability = judgeDurability('redis', { spool: spool !== null, sync: false, redis: persistence });
		if (durability.lossPossible && config.requireDurableQueue) {
			logger.warn({ redis: persistence }, `activity analytics: not using the Redis stream: ${durability.detail}`);
			const syncAll = !spool;
			const fallback = judgeLocal(syncAll);
			return {
				queue: local,
				durability: {
					...fallback,
					detail: `${fallback.detail} (ACTIVITY_ANALYTICS_REQUIRE_DURABLE_QUEUE: ${durability.detail})`,
				},
				syncAll,
			};
		}
		if (durability.lossPossible) logger.warn({ redis: persistence }, `activity analytics: ${durability.detail}`);
		const stream = new RedisStreamQueue(
			redis,
			write,
			local,
			{
				flushSize: config.flushSize,
				flushIntervalMs: config.flushIntervalMs,
				maxSize: config.queueMaxSize,
				streamKey: config.streamKey,
				group: 'writers',
				consumer: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
				claimIdleMs: config.claimIdleMs,
			},
			metrics,
			logger,
		);
		return { queue: stream, durability, syncAll: false };
	}

	/** The spools of processes that stopped without writing them, written now (the ledger skips what they did write). */
	async function replaySpools(): Promise<void> {
		if (!spool) return;
		await deps.ready();
		const replayed = await spool.replayOrphans(
			async (events) => {
				// Older than the ledger remembers: it may have been written, and a replay could double it.
				const fresh = events.filter((event) => event.at >= Date.now() - LEDGER_KEEP_MS);
				for (let i = 0; i < fresh.length; i += config.flushSize)
					await writeWithRetry(write, fresh.slice(i, i + config.flushSize), metrics, retry);
			},
			(file, other) =>
				logger.warn(
					{ file, database: other, dir: spool.dir },
					'activity analytics: a spool file of another database is in the spool folder; left as it is',
				),
		);
		metrics.spoolReplayed += replayed;
		if (replayed > 0) logger.info({ events: replayed }, 'activity analytics: replayed the spool of a stopped process');
	}

	return {
		local,
		initialDurability: judgeLocal(false),
		choice: choose(),
		replaySpools,
	};
}
