import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { AnalyticsCache } from '../cache/analytics-cache';
import { createMemoryStore, createRedisStore } from '../cache/cache-store';
import { parseConfig, type AnalyticsConfig } from '../schema/config';
import { isMigrationLocked, migrateUp, UNLOCK_COMMAND } from '../migrations/run-migrations';
import { runRequestedFills } from '../rollup/requested-fills';
import type { Logger } from '../schema/logger';
import { createActivityWriter, type ActivityWriter } from '../writer/activity-writer';

export type { Logger } from '../schema/logger';

export interface AnalyticsRuntime {
	config: AnalyticsConfig;
	database: Knex;
	logger: Logger;
	cache: AnalyticsCache;
	redis: Redis | null;
	/** Resolves once our migrations are applied; every reader awaits it. */
	ready: Promise<void>;
	writer: ActivityWriter;
	/** True when this copy replaced one loaded earlier in this process (an extension reload). */
	replacedPrevious: boolean;
	/** Built-in scheduled runs this instance made (Directus's schedule() gives each tick to one instance). */
	scheduledRuns: { refresh: number; retention: number };
	/** Drains the writer, runs the cleanups, then lets go of Redis. */
	dispose(): Promise<void>;
	/** Something to undo when this runtime goes (shutdown, or replaced on extension reload). */
	addCleanup(cleanup: () => void): void;
}

// On globalThis, not in the module: Directus re-imports the bundle on extension reload, and the new copy must
// drain and close the old one's queue and Redis connections.
const RUNTIME_SLOT = Symbol.for('directus-extension-activity-analytics.runtime');
type Slot = { [RUNTIME_SLOT]?: AnalyticsRuntime & { moduleId: symbol } };
const slot = globalThis as Slot;
const MODULE_ID = Symbol('module');

/**
 * The one runtime of this bundle in this process, shared by the hook, the endpoint and the operation
 * (they live in one module). Directus re-imports the module on extension reload, which starts afresh.
 */
export function useAnalyticsRuntime(context: {
	database: Knex;
	env: Record<string, unknown>;
	logger: Logger;
}): AnalyticsRuntime {
	const previous = slot[RUNTIME_SLOT];
	if (previous && previous.moduleId === MODULE_ID) return previous;
	if (previous) void previous.dispose();
	const config = parseConfig(context.env);
	const namespace = typeof context.env['CACHE_NAMESPACE'] === 'string' ? context.env['CACHE_NAMESPACE'] : 'directus';
	let redis: Redis | null = null;
	if (config.redisUrl) {
		// Fail fast while Redis is away: the cache then falls back to the database instead of queueing.
		redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
		// One line per 10 s while Redis is away, not one per reconnect attempt.
		let lastRedisWarning = 0;
		redis.on('error', (error: Error) => {
			if (Date.now() - lastRedisWarning < 10_000) return;
			lastRedisWarning = Date.now();
			context.logger.warn({ err: error.message }, 'activity analytics: Redis error');
		});
	}
	let lastCacheWarning = 0;
	const cache = new AnalyticsCache(
		redis ? createRedisStore(redis, `${namespace}:activity-analytics:cache:`) : createMemoryStore(),
		{
			ttlSeconds: config.cacheTtlSeconds,
			staleSeconds: config.cacheStaleSeconds,
			onError: (error) => {
				if (Date.now() - lastCacheWarning < 60_000) return;
				lastCacheWarning = Date.now();
				context.logger.warn(
					{ err: error instanceof Error ? error.message : String(error) },
					'activity analytics: cache unavailable, answering from the database',
				);
			},
		},
	);
	// Our migrations start when something needs them (server start, a request, our CLI commands), never merely
	// because Directus loaded extensions: a short-lived CLI process (bootstrap) exiting mid-migration would leave
	// the migration lock held.
	let migrated: Promise<void> | null = null;
	const migrate = (): Promise<void> => {
		if (migrated) return migrated;
		migrated = migrateUp(context.database)
			.then(async (applied) => {
				if (applied.length > 0) context.logger.info({ applied }, 'activity analytics: migrations applied');
				// Before any answer: a table a migration added is empty until its fill has run.
				const filled = await runRequestedFills(context.database);
				if (filled.length > 0) context.logger.info({ filled }, 'activity analytics: tables filled');
			})
			.catch((error: unknown) => {
				const message = error instanceof Error ? error.message : String(error);
				const hint = isMigrationLocked(error)
					? ` (if no migration is running, \`${UNLOCK_COMMAND}\` frees the lock)`
					: '';
				context.logger.error({ err: message }, `activity analytics: migrations failed${hint}`);
				// The next need tries again: once the lock is freed, this process recovers without a restart.
				migrated = null;
				throw error;
			});
		migrated.catch(() => undefined);
		return migrated;
	};
	let disposing: Promise<void> | null = null;
	const cleanups: (() => void)[] = [];
	const runtime: AnalyticsRuntime & { moduleId: symbol } = {
		moduleId: MODULE_ID,
		config,
		database: context.database,
		logger: context.logger,
		cache,
		redis,
		get ready() {
			return migrate();
		},
		writer: undefined as unknown as ActivityWriter,
		replacedPrevious: previous !== undefined,
		scheduledRuns: { refresh: 0, retention: 0 },
		addCleanup: (cleanup) => void cleanups.push(cleanup),
		dispose: () =>
			(disposing ??= (async () => {
				if (slot[RUNTIME_SLOT] === runtime) delete slot[RUNTIME_SLOT];
				await runtime.writer.drain();
				for (const cleanup of cleanups.splice(0)) cleanup();
				if (redis) await redis.quit().catch(() => redis?.disconnect());
			})()),
	};
	runtime.writer = createActivityWriter(runtime);
	slot[RUNTIME_SLOT] = runtime;
	return runtime;
}

/** The runtime of the copy of this bundle loaded last (after an extension reload, the new one), if any. */
export function currentAnalyticsRuntime(): AnalyticsRuntime | undefined {
	return slot[RUNTIME_SLOT];
}
