import type { ActivityEvent } from '../schema/activity-event';
import type { Logger } from '../schema/logger';
import type { LocalQueue, QueueSnapshot } from './activity-queue';
import type { EventSpool } from './event-spool';
import type { MemoryQueue } from './memory-queue';
import type { WriterMetrics } from './writer-metrics';

interface Waiter {
	events: ActivityEvent[];
	resolve: (accepted: boolean) => void;
}

/**
 * The memory queue made crash-safe: an offer resolves only once its events are in the spool on disk, so a
 * kill -9 loses no acknowledged event (the next start replays the spool). Offers arriving together share one
 * fdatasync (group commit, at most every `commitMs`). When the spool cannot be written, the offer is refused
 * and the caller writes the events synchronously, which is durable too.
 */
export class SpooledQueue implements LocalQueue {
	private waiting: Waiter[] = [];
	private timer: NodeJS.Timeout | null = null;
	private committing: Promise<void> | null = null;
	private lastWarning = 0;

	constructor(
		private readonly memory: MemoryQueue,
		private readonly spool: EventSpool,
		private readonly commitMs: number,
		private readonly metrics: WriterMetrics,
		private readonly logger: Logger,
	) {}

	start(): void {
		this.memory.start();
	}

	get depth(): number {
		return this.memory.depth;
	}

	get oldestAt(): number | null {
		return this.memory.oldestAt;
	}

	offer(events: ActivityEvent[]): Promise<boolean> {
		// Full: the caller writes them synchronously; spooling them first would only cost an fsync.
		if (!this.memory.hasRoomFor(events.length)) return Promise.resolve(false);
		return new Promise((resolve) => {
			this.waiting.push({ events, resolve });
			this.schedule();
		});
	}

	private schedule(): void {
		if (this.timer || this.committing) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.committing = this.commit().finally(() => {
				this.committing = null;
				if (this.waiting.length > 0) this.schedule();
			});
		}, this.commitMs);
	}

	private async commit(): Promise<void> {
		const batch = this.waiting;
		this.waiting = [];
		const events = batch.flatMap((waiter) => waiter.events);
		try {
			await this.spool.append(events);
		} catch (error) {
			this.metrics.spoolFailures += events.length;
			this.warn(error);
			for (const waiter of batch) waiter.resolve(false);
			return;
		}
		this.metrics.spoolCommits++;
		for (const waiter of batch) waiter.resolve(this.memory.accept(waiter.events));
		this.spool.cover(this.memory.accepted);
		await this.spool.release(this.memory.written).catch((error: unknown) => this.warn(error));
	}

	private warn(error: unknown): void {
		if (Date.now() - this.lastWarning < 10_000) return;
		this.lastWarning = Date.now();
		this.logger.warn(
			{ err: error instanceof Error ? error.message : String(error), dir: this.spool.dir },
			'activity analytics: the spool could not be written; events are written synchronously meanwhile',
		);
	}

	async settle(): Promise<void> {
		while (this.committing || this.waiting.length > 0) await (this.committing ?? this.flushWaiting());
		await this.memory.settle();
	}

	private flushWaiting(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		this.committing = this.commit().finally(() => {
			this.committing = null;
		});
		return this.committing;
	}

	async drain(): Promise<number> {
		while (this.committing || this.waiting.length > 0) await (this.committing ?? this.flushWaiting());
		const left = await this.memory.drain();
		await this.spool.close(left === 0);
		return left;
	}

	async snapshot(): Promise<QueueSnapshot> {
		return { ...(await this.memory.snapshot()), spool: this.spool.dir };
	}
}
