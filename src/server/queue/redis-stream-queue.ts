import type { Redis } from 'ioredis';
import { encodeEvent, looksLikeEncodedEvent, type ActivityEvent } from '../schema/activity-event';
import type { Logger } from '../schema/logger';
import type { ActivityQueue, LocalQueue, QueueSnapshot } from './activity-queue';
import type { QueueOptions } from './memory-queue';
import { writeWithRetry, type BatchWriter } from './write-with-retry';
import type { WriterMetrics } from './writer-metrics';

export interface StreamOptions extends QueueOptions {
	streamKey: string;
	group: string;
	consumer: string;
	/** Entries a consumer has held unacknowledged this long are claimed by another. */
	claimIdleMs: number;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Events go into a Redis stream; a consumer group (one consumer per instance) writes them in batches and
 * acknowledges (then deletes) each entry only after its batch committed. Entries left pending by a dead
 * consumer are claimed after `claimIdleMs`. If Redis refuses an event, it goes to the memory queue instead.
 */
export class RedisStreamQueue implements ActivityQueue {
	private readonly reader: Redis;
	private running = false;
	private loop: Promise<void> | null = null;
	private lastClaim = 0;
	private cachedDepth = 0;
	private lastWarning = 0;

	constructor(
		private readonly redis: Redis,
		private readonly write: BatchWriter,
		private readonly fallback: LocalQueue,
		private readonly options: StreamOptions,
		private readonly metrics: WriterMetrics,
		private readonly logger: Logger,
	) {
		// Blocking reads need a connection of their own.
		this.reader = redis.duplicate();
		this.reader.on('error', () => undefined);
	}

	start(): void {
		this.fallback.start();
		this.running = true;
		this.loop = this.consume();
	}

	async offer(events: ActivityEvent[]): Promise<boolean> {
		if (this.cachedDepth >= this.options.maxSize) return false;
		try {
			const pipeline = this.redis.pipeline();
			for (const event of events) pipeline.xadd(this.options.streamKey, '*', 'e', encodeEvent(event));
			const results = (await pipeline.exec()) ?? [];
			const refused = events.filter((_, i) => !results[i] || results[i]![0]);
			if (refused.length === 0) return true;
			return this.toFallback(refused, results.find((r) => r[0])?.[0] ?? new Error('no reply'));
		} catch (error) {
			return this.toFallback(events, error);
		}
	}

	private toFallback(events: ActivityEvent[], error: unknown): Promise<boolean> {
		this.metrics.redisFallbacks += events.length;
		this.warn('activity analytics: Redis refused events, keeping them in this process (spool or memory)', error);
		return this.fallback.offer(events);
	}

	async settle(): Promise<void> {
		// Events kept in memory while Redis was away are this process's own: those keep their order.
		await this.fallback.settle();
	}

	async drain(): Promise<number> {
		this.running = false;
		// Ends a blocking read at once; anything it had been handed stays pending in the group and is claimed later.
		this.reader.disconnect();
		await this.loop?.catch(() => undefined);
		return this.fallback.drain();
	}

	async snapshot(): Promise<QueueSnapshot> {
		const fallbackDepth = this.fallback.depth;
		try {
			const [length, first, pending] = await Promise.all([
				this.redis.xlen(this.options.streamKey),
				this.redis.xrange(this.options.streamKey, '-', '+', 'COUNT', 1),
				this.redis.xpending(this.options.streamKey, this.options.group) as Promise<[number, ...unknown[]]>,
			]);
			this.cachedDepth = length;
			const firstId = first[0]?.[0];
			const oldest = firstId ? Number(firstId.split('-')[0]) : this.fallback.oldestAt;
			return {
				kind: 'redis',
				depth: length + fallbackDepth,
				oldestAgeMs: oldest === null ? null : Math.max(0, Date.now() - oldest),
				pending: Number(pending[0] ?? 0),
				fallbackDepth,
			};
		} catch {
			const oldest = this.fallback.oldestAt;
			return {
				kind: 'redis',
				depth: fallbackDepth,
				oldestAgeMs: oldest === null ? null : Date.now() - oldest,
				fallbackDepth,
			};
		}
	}

	private async consume(): Promise<void> {
		// The next batch is read while the previous one is written; writes themselves stay one at a time.
		let writing: Promise<void> = Promise.resolve();
		while (this.running) {
			try {
				await this.ensureGroup();
				const entries = await this.readBatch();
				await writing;
				writing = entries.length > 0 ? this.writeEntries(entries) : Promise.resolve();
				writing.catch(() => undefined);
				if (Date.now() - this.lastClaim > Math.max(1000, this.options.claimIdleMs / 2)) {
					await writing;
					await this.claimAbandoned();
				}
				this.cachedDepth = await this.redis.xlen(this.options.streamKey);
			} catch (error) {
				// Entries whose write or acknowledgement failed stay pending in the group and are claimed again.
				writing = Promise.resolve();
				if (!this.running) break;
				// A Redis that restarted without persistence comes back without our group.
				if (String(error).includes('NOGROUP')) this.groupReady = false;
				this.warn('activity analytics: stream consumer paused', error);
				await new Promise((resolve) => setTimeout(resolve, 1000));
			}
		}
		await writing.catch(() => undefined);
	}

	private groupReady = false;
	private async ensureGroup(): Promise<void> {
		if (this.groupReady) return;
		try {
			await this.redis.xgroup('CREATE', this.options.streamKey, this.options.group, '0', 'MKSTREAM');
		} catch (error) {
			if (!String(error).includes('BUSYGROUP')) throw error;
		}
		this.groupReady = true;
	}

	/** Up to flushSize entries, waiting at most flushIntervalMs from the first read. */
	private async readBatch(): Promise<StreamEntry[]> {
		const out: StreamEntry[] = [];
		const deadline = Date.now() + this.options.flushIntervalMs;
		while (this.running && out.length < this.options.flushSize) {
			const remaining = deadline - Date.now();
			if (remaining <= 0) break;
			const reply = (await this.reader.xreadgroup(
				'GROUP',
				this.options.group,
				this.options.consumer,
				'COUNT',
				this.options.flushSize - out.length,
				'BLOCK',
				Math.max(1, remaining),
				'STREAMS',
				this.options.streamKey,
				'>',
			)) as [string, StreamEntry[]][] | null;
			if (!reply) break;
			for (const [, entries] of reply) out.push(...entries);
		}
		return out;
	}

	private async writeEntries(entries: StreamEntry[]): Promise<void> {
		// Passed on as JSON text: PostgreSQL parses the events itself.
		const encoded: string[] = [];
		for (const [id, fields] of entries) {
			const json = fields[fields.indexOf('e') + 1] ?? '';
			if (looksLikeEncodedEvent(json)) encoded.push(json);
			else this.logger.warn({ id }, 'activity analytics: unreadable stream entry skipped');
		}
		const events = { encoded };
		// Throws only when stopping: the entries then stay pending and another consumer claims them.
		await writeWithRetry(this.write, events, this.metrics, {
			giveUp: () => !this.running,
			onRetry: (error, attempt, delayMs) =>
				this.warn(`activity analytics: batch write failed (attempt ${attempt}), retrying in ${delayMs} ms`, error),
		});
		const ids = entries.map(([id]) => id);
		// Not awaited: the next batch's write need not wait for it. An acknowledgement that fails leaves the
		// entries pending; they are claimed again and the ledger skips them.
		void this.redis
			.pipeline()
			.xack(this.options.streamKey, this.options.group, ...ids)
			.xdel(this.options.streamKey, ...ids)
			.exec()
			.catch((error: unknown) =>
				this.warn('activity analytics: acknowledgement failed; the entries will be claimed again', error),
			);
	}

	private async claimAbandoned(): Promise<void> {
		this.lastClaim = Date.now();
		let cursor = '0-0';
		for (let round = 0; round < 10; round++) {
			const [next, entries] = (await this.redis.xautoclaim(
				this.options.streamKey,
				this.options.group,
				this.options.consumer,
				this.options.claimIdleMs,
				cursor,
				'COUNT',
				this.options.flushSize,
			)) as [string, StreamEntry[], string[]];
			const live = entries.filter((entry) => Array.isArray(entry?.[1]));
			if (live.length > 0) {
				this.metrics.claimed += live.length;
				await this.writeEntries(live);
			}
			if (next === '0-0') break;
			cursor = next;
		}
	}

	private warn(message: string, error: unknown): void {
		if (Date.now() - this.lastWarning < 10_000) return;
		this.lastWarning = Date.now();
		this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
	}
}
