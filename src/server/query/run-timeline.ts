import type { TimelineQuery } from './analytics-query';
import { encodeTimelineCursor } from './parse-analytics-query';
import { selectActivityRows, toActivityEvent } from './activity-rows';
import type { QueryContext } from './read-snapshot';
import type { TimelineAnswer } from '../../shared/answers';

/** Raw events newest first, paged by id (keyset): page N costs the same as page 1. */
export async function runTimeline(context: QueryContext, query: TimelineQuery): Promise<TimelineAnswer> {
	const rows = context.dialect.rows(
		await selectActivityRows(context.db, context.dialect, query, {
			item: query.item,
			beforeId: query.before,
			order: 'desc',
			limit: query.limit + 1,
		}),
	);
	const events = rows.slice(0, query.limit).map(toActivityEvent);
	const last = events[events.length - 1];
	return { events, next: rows.length > query.limit && last ? encodeTimelineCursor(last.id) : null };
}
