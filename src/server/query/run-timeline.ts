import type { TimelineQuery } from './analytics-query';
import { encodeTimelineCursor } from './parse-analytics-query';
import { selectActivityRows, toActivityEvent, type ActivityEvent } from './activity-rows';
import type { QueryContext } from './read-snapshot';
import { rowsOf } from './source-query';

export interface TimelineResult {
	events: ActivityEvent[];
	/** Pass as `cursor` for the next (older) page; null on the last page. */
	next: string | null;
}

/** Raw events newest first, paged by id (keyset): page N costs the same as page 1. */
export async function runTimeline(context: QueryContext, query: TimelineQuery): Promise<TimelineResult> {
	const rows = rowsOf(
		await selectActivityRows(context.db, context.dialect, query, { item: query.item, beforeId: query.before, order: 'desc', limit: query.limit + 1 }),
		context.dialect,
	);
	const events = rows.slice(0, query.limit).map(toActivityEvent);
	const last = events[events.length - 1];
	return { events, next: rows.length > query.limit && last ? encodeTimelineCursor(last.id) : null };
}
