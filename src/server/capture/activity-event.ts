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

export type WriterAction = ActivityEvent['action'];
export const WRITER_ACTIONS: readonly WriterAction[] = ['create', 'update', 'delete'];
