/** One activity row (and its revision, where the collection tracks them) as captured, before it is written. */
export interface ActivityEvent {
	/** Idempotency key (UUID): a batch retried after an ambiguous failure skips the keys already written. */
	key: string;
	action: 'create' | 'update' | 'delete';
	user: string | null;
	ip: string | null;
	user_agent: string | null;
	origin: string | null;
	collection: string;
	item: string;
	/** Capture time, epoch milliseconds: the row's timestamp is when the write happened, not when it was flushed. */
	at: number;
	/** Capture order within this process, for events captured in the same millisecond. */
	seq: number;
	/** Present when the collection's original accountability was `all`. */
	revision?: { data: unknown; delta: unknown; parentKey: string | null };
}

/** The actions the writer captures (and ACTIVITY_ANALYTICS_SYNC_ACTIONS may name). */
export const WRITER_ACTIONS: readonly ActivityEvent['action'][] = ['create', 'update', 'delete'];

/**
 * A batch as the store takes it: the events, or (from the Redis stream) their JSON texts, which PostgreSQL reads
 * as they are, sparing Node a parse and a re-serialisation of every event.
 */
export type EventBatch = readonly ActivityEvent[] | { readonly encoded: readonly string[] };

export function batchSize(batch: EventBatch): number {
	return 'encoded' in batch ? batch.encoded.length : batch.length;
}

/**
 * An event as it travels (Redis stream, PostgreSQL's JSON parameter): flat, so PostgreSQL's json_to_recordset
 * takes every field in one pass instead of re-parsing a nested revision per field. `revised` says a revision
 * row is due; a null `data` is left out, so it arrives as SQL NULL.
 */
export function encodeEvent(event: ActivityEvent): string {
	const { revision, ...rest } = event;
	if (!revision) return JSON.stringify(rest);
	const revised = revision.delta !== null && revision.delta !== undefined;
	return JSON.stringify({
		...rest,
		revised,
		...(revision.data === null || revision.data === undefined ? {} : { data: revision.data }),
		delta: revision.delta ?? null,
		parentKey: revision.parentKey,
	});
}

export function decodeEvent(text: string): ActivityEvent {
	const { revised, data, delta, parentKey, ...rest } = JSON.parse(text) as ActivityEvent & {
		revised?: boolean;
		data?: unknown;
		delta?: unknown;
		parentKey?: string | null;
	};
	return revised === undefined
		? rest
		: { ...rest, revision: { data: data ?? null, delta: delta ?? null, parentKey: parentKey ?? null } };
}

export function decodeBatch(batch: EventBatch): ActivityEvent[] {
	return 'encoded' in batch ? batch.encoded.map(decodeEvent) : [...batch];
}

/** The batch as one JSON array text. */
export function encodeBatch(batch: EventBatch): string {
	return `[${('encoded' in batch ? batch.encoded : batch.map(encodeEvent)).join(',')}]`;
}

/** Whether a stream entry looks like an event this bundle wrote (JSON.stringify keeps `key` first). */
export function looksLikeEncodedEvent(text: string): boolean {
	return text.startsWith('{"key":"') && text.endsWith('}');
}
