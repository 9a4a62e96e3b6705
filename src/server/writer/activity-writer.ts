import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { AnalyticsConfig } from '../schema/config';
import type { Logger } from '../schema/logger';
import type { ActivityEvent } from '../schema/activity-event';
import type { WriterStatusFigures } from '../../shared/status';
import type { ActivityQueue } from '../queue/activity-queue';
import { MemoryQueue } from '../queue/memory-queue';
import { createDurableQueue } from './durable-queue';
import { writeWithRetry, type BatchWriter } from '../queue/write-with-retry';
import { createWriterMetrics } from '../queue/writer-metrics';
import { pruneLedger } from '../store/prune-ledger';
import { writeActivityBatch } from '../store/write-activity-batch';

export type WriterStatus = Omit<WriterStatusFigures, 'collections'>;

export interface ActivityWriter {
	/** Starts the flush timer and, in Redis mode, this instance's stream consumer (not in CLI processes). */
	start(): void;
	/**
	 * Hands captured events to the queue (or straight to the database for sync actions or a full queue).
	 * Resolves once they are handed over; never rejects (a failure is logged and counted).
	 */
	emit(events: ActivityEvent[]): Promise<void>;
	/**
	 * Keeps track of a capture in progress, so a drain waits for it, and so does the answer to the request
	 * whose accountability object (`owner`) started it.
	 */
	track(capture: Promise<void>, owner?: object | null): void;
	/** Settles once the captures a request's accountability started so far are handed over; null when none are pending. */
	capturesOf(owner: object): Promise<void> | null;
	/** Waits for captures in progress, then writes (memory) or hands back (Redis) everything this process holds. */
	drain(): Promise<void>;
	status(): Promise<WriterStatus>;
}

/** What the writer needs of the runtime (it is built by it). */
export interface WriterDeps {
	config: AnalyticsConfig;
	logger: Logger;
	database: Knex;
	redis: Redis | null;
	/** Our migrations (the ledger table) are applied. */
	ready: Promise<void>;
}

/** capture -> queue -> store, wired once per process from the runtime's config. */
export function createActivityWriter(runtime: WriterDeps): ActivityWriter {
	const { config, logger, database } = runtime;
	const metrics = createWriterMetrics();
	const inFlight = new Set<Promise<void>>();
	const byOwner = new WeakMap<object, Set<Promise<void>>>();
	let drainDeadline = Number.POSITIVE_INFINITY;
	let lastWarning = 0;
	const onRetry = (error: unknown, attempt: number, delayMs: number) => {
		if (Date.now() - lastWarning < 10_000) return;
		lastWarning = Date.now();
		logger.warn(
			{ err: error instanceof Error ? error.message : String(error), attempt, delayMs },
			'activity analytics: batch write failed, retrying',
		);
	};
	const write: BatchWriter = async (events) => {
		await runtime.ready;
		return writeActivityBatch(database, events);
	};
	const retry = { giveUp: () => Date.now() > drainDeadline, onRetry };
	const queueOptions = {
		flushSize: config.flushSize,
		flushIntervalMs: config.flushIntervalMs,
		maxSize: config.queueMaxSize,
	};
	const memory = new MemoryQueue(write, queueOptions, metrics, retry);
	// Named fields, not a spread: spreading the runtime would read its `ready` getter and start our migrations in
	// every process that loads the bundle, short-lived CLI ones included.
	const durable = createDurableQueue({
		config,
		logger,
		database,
		redis: runtime.redis,
		ready: () => runtime.ready,
		memory,
		write,
		metrics,
		retry,
	});
	let queue: ActivityQueue = durable.local;
	let durability = durable.initialDurability;
	let syncAll = false;
	const chosen: Promise<ActivityQueue> = durable.choice.then((choice) => {
		({ queue, durability, syncAll } = choice);
		return queue;
	});

	let started = false;
	let pruneTimer: NodeJS.Timeout | null = null;

	const writeNow = async (events: ActivityEvent[]) => {
		metrics.syncWrites += events.length;
		await writeWithRetry(write, events, metrics, retry);
	};

	function track(capture: Promise<void>, owner?: object | null): Promise<void> {
		const tracked = capture.catch((error: unknown) => {
			metrics.lastError = error instanceof Error ? error.message : String(error);
			logger.error({ err: metrics.lastError }, 'activity analytics: could not capture an event');
		});
		inFlight.add(tracked);
		const owned = owner ? (byOwner.get(owner) ?? new Set<Promise<void>>()) : null;
		if (owner && owned) {
			owned.add(tracked);
			byOwner.set(owner, owned);
		}
		void tracked.finally(() => {
			inFlight.delete(tracked);
			owned?.delete(tracked);
		});
		return tracked;
	}

	return {
		start() {
			if (started) return;
			started = true;
			const replay = durable
				.replaySpools()
				.catch((error: unknown) =>
					logger.error(
						{ err: error instanceof Error ? error.message : String(error) },
						'activity analytics: could not replay the spool; its files stay for the next start',
					),
				);
			inFlight.add(replay);
			void replay.finally(() => inFlight.delete(replay));
			void chosen.then((picked) => picked.start());
			// Every instance prunes: each run deletes a bounded batch of old keys, so doing it twice costs nothing.
			pruneTimer = setInterval(() => {
				void runtime.ready
					.then(() => pruneLedger(database))
					.catch((error: unknown) =>
						logger.warn(
							{ err: error instanceof Error ? error.message : String(error) },
							'activity analytics: ledger pruning failed',
						),
					);
			}, 3_600_000);
			pruneTimer.unref();
		},
		async emit(events) {
			if (events.length === 0) return;
			metrics.eventsCaptured += events.length;
			const queue = await chosen;
			const sync = events.filter((e) => syncAll || config.syncActions.includes(e.action));
			const queued = events.filter((e) => !sync.includes(e));
			const handedOver: Promise<void>[] = [];
			// A synchronous write waits for what this process queued before it, so it never overtakes it.
			if (sync.length > 0) handedOver.push(track(queue.settle().then(() => writeNow(sync))));
			if (queued.length > 0)
				handedOver.push(track(queue.offer(queued).then((accepted) => (accepted ? undefined : writeNow(queued)))));
			await Promise.all(handedOver);
		},
		track,
		capturesOf(owner) {
			const owned = byOwner.get(owner);
			return owned && owned.size > 0 ? Promise.all([...owned]).then(() => undefined) : null;
		},
		async drain() {
			if (!started) return;
			if (pruneTimer) clearInterval(pruneTimer);
			drainDeadline = Date.now() + config.drainTimeoutMs;
			while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
			const left = await (await chosen).drain();
			if (left > 0) {
				metrics.drops += left;
				logger.error(
					{ events: left },
					'activity analytics: the database stayed unreachable during shutdown; these events were not written',
				);
			}
		},
		async status() {
			await chosen;
			return { ...metrics, queue: await queue.snapshot(), durability, inFlight: inFlight.size };
		},
	};
}
