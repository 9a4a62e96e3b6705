import type { WriterStatusFigures } from '../../shared/status';

/** Counters of this instance's writer, shown by GET /analytics/status and /metrics. */
export type WriterMetrics = Omit<WriterStatusFigures, 'queue' | 'durability' | 'inFlight' | 'collections'>;

export function createWriterMetrics(): WriterMetrics {
	return {
		eventsCaptured: 0,
		eventsWritten: 0,
		eventsSkipped: 0,
		batchesWritten: 0,
		lastFlushMs: null,
		maxFlushMs: null,
		retries: 0,
		syncWrites: 0,
		redisFallbacks: 0,
		claimed: 0,
		drops: 0,
		spoolCommits: 0,
		spoolFailures: 0,
		spoolReplayed: 0,
		lastError: null,
	};
}
