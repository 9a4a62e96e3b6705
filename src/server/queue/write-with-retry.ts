import type { EventBatch } from '../schema/activity-event';
import type { BatchWriteResult } from '../store/write-activity-batch';
import type { WriterMetrics } from './writer-metrics';

export interface RetryOptions {
	/** Stop retrying (and throw) once this returns true: the process is going away. */
	giveUp?: () => boolean;
	onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export type BatchWriter = (batch: EventBatch) => Promise<BatchWriteResult>;

const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 15_000;

/** Writes one batch, retrying with exponential backoff and jitter until it lands. Safe because writes are idempotent. */
export async function writeWithRetry(
	write: BatchWriter,
	events: EventBatch,
	metrics: WriterMetrics,
	options: RetryOptions = {},
): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		const started = performance.now();
		try {
			const result = await write(events);
			const ms = Math.round(performance.now() - started);
			metrics.eventsWritten += result.written;
			metrics.eventsSkipped += result.skipped;
			metrics.batchesWritten++;
			metrics.lastFlushMs = ms;
			metrics.maxFlushMs = Math.max(metrics.maxFlushMs ?? 0, ms);
			return;
		} catch (error) {
			metrics.lastError = error instanceof Error ? error.message : String(error);
			if (options.giveUp?.()) throw error;
			metrics.retries++;
			const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
			options.onRetry?.(error, attempt + 1, Math.round(delay));
			await new Promise((resolve) => setTimeout(resolve, delay));
		}
	}
}
