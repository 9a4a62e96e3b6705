import type { ActivityEvent } from '../schema/activity-event';
import type { LocalQueue, QueueSnapshot } from './activity-queue';
import { writeWithRetry, type BatchWriter, type RetryOptions } from './write-with-retry';
import type { WriterMetrics } from './writer-metrics';

export interface QueueOptions {
	flushSize: number;
	flushIntervalMs: number;
	maxSize: number;
}

/**
 * Events held in this process and written in batches, by size or by interval. Bounded: when full, `offer`
 * refuses and the caller writes synchronously instead, so nothing is dropped. A hard kill loses what it holds.
 */
export class MemoryQueue implements LocalQueue {
	private buffer: ActivityEvent[] = [];
	private flushing: Promise<void> | null = null;
	private timer: NodeJS.Timeout | null = null;
	private stopping = false;
	private gaveUp = false;
	private acceptedTotal = 0;
	private writtenTotal = 0;

	constructor(
		private readonly write: BatchWriter,
		private readonly options: QueueOptions,
		private readonly metrics: WriterMetrics,
		private readonly retry: RetryOptions = {},
	) {}

	start(): void {
		this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
		this.timer.unref();
	}

	get depth(): number {
		return this.buffer.length;
	}

	get oldestAt(): number | null {
		return this.buffer[0]?.at ?? null;
	}

	/** Events accepted so far, and of those written: they leave in the order they came. */
	get accepted(): number {
		return this.acceptedTotal;
	}

	get written(): number {
		return this.writtenTotal;
	}

	hasRoomFor(count: number): boolean {
		return this.buffer.length + count <= this.options.maxSize;
	}

	async offer(events: ActivityEvent[]): Promise<boolean> {
		return this.accept(events);
	}

	async snapshot(): Promise<QueueSnapshot> {
		const oldest = this.oldestAt;
		return {
			kind: 'memory',
			depth: this.depth,
			oldestAgeMs: oldest === null ? null : Math.max(0, Date.now() - oldest),
		};
	}

	/** Takes the events unless the queue is full (the caller then writes them itself). */
	accept(events: ActivityEvent[]): boolean {
		if (!this.hasRoomFor(events.length)) return false;
		this.buffer.push(...events);
		this.acceptedTotal += events.length;
		if (this.buffer.length >= this.options.flushSize) void this.flush();
		return true;
	}

	/** Writes one batch; concurrent calls share the flush in progress. */
	flush(): Promise<void> {
		if (this.flushing) return this.flushing;
		if (this.buffer.length === 0) return Promise.resolve();
		const batch = this.buffer.slice(0, this.options.flushSize);
		this.flushing = writeWithRetry(this.write, batch, this.metrics, {
			...this.retry,
			giveUp: () => this.stopping && (this.retry.giveUp?.() ?? false),
		})
			.then(
				() => {
					// Only now leave the buffer: a batch that never lands stays queued.
					this.buffer.splice(0, batch.length);
					this.writtenTotal += batch.length;
				},
				() => {
					this.gaveUp = true;
				},
			)
			.finally(() => {
				this.flushing = null;
				if (this.buffer.length >= this.options.flushSize && !this.stopping) void this.flush();
			});
		return this.flushing;
	}

	async settle(): Promise<void> {
		const target = this.acceptedTotal;
		while (this.writtenTotal < target && !this.gaveUp) await (this.flushing ?? this.flush());
	}

	/** Writes everything held, retrying until `giveUp` says the time is up. Returns how many events were left. */
	async drain(): Promise<number> {
		this.stopping = true;
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		while ((this.buffer.length > 0 || this.flushing) && !this.gaveUp) await (this.flushing ?? this.flush());
		return this.buffer.length;
	}
}
