import type { WriterQueueFigures } from '../../shared/status';
import type { ActivityEvent } from '../schema/activity-event';

export type QueueSnapshot = WriterQueueFigures;

/** Where captured events wait until a batch writes them: process memory, or a Redis stream shared by instances. */
export interface ActivityQueue {
	start(): void;
	/** Accepts the events, or returns false when full (the caller then writes them synchronously). */
	offer(events: ActivityEvent[]): Promise<boolean>;
	/**
	 * Resolves once every event this process queued so far is written (memory), so a synchronous write that
	 * follows cannot overtake them. The Redis queue resolves at once: the stream is shared, order is by timestamp.
	 */
	settle(): Promise<void>;
	/** Stops consuming and writes or hands back what this process holds; returns the events it could not write. */
	drain(): Promise<number>;
	snapshot(): Promise<QueueSnapshot>;
}

/** A queue inside this process (memory, or memory behind the spool): what the Redis queue falls back to. */
export interface LocalQueue extends ActivityQueue {
	readonly depth: number;
	readonly oldestAt: number | null;
}
