// The suspicious-activity route as the read-path benchmarks measure it: the same answer computed by raw SQL over
// directus_activity (what a dashboard without the extension runs), and the check that both agree to the event.
import { FROM, request, TO } from './dashboard.mjs';
import { timeIt } from './stats.mjs';

const WINDOW_SECONDS = 3_600;
export const SUSPICIOUS_LIMIT = 20;

/** A threshold that the window's 60th busiest (IP, hour) pair crosses: enough actors to rank. */
export async function suspiciousThreshold(db) {
	const rows = (
		await db.raw(
			`select count(*) as n from directus_activity where "timestamp" >= ? and "timestamp" < ? and coalesce(ip, '') <> '' group by ip, floor(extract(epoch from "timestamp") / ${WINDOW_SECONDS}) order by n desc limit 60`,
			[FROM, TO],
		)
	).rows;
	return Math.max(1, Number(rows.at(-1)?.n ?? 1) - 1);
}

export const suspiciousPath = (threshold) =>
	`/analytics/suspicious?${new URLSearchParams({ from: FROM, to: TO, by: 'ip', window: '1h', threshold: String(threshold), limit: String(SUSPICIOUS_LIMIT) })}`;

/** The route's answer by raw SQL: actors over the threshold in an hour, their peak, first and last seen, collections. */
export async function rawSuspicious(db, threshold) {
	const over = (
		await db.raw(
			`select ip as actor, count(*) as windows_over, max(n) as peak, min(w) filter (where n = peak_n) as peak_w
			   from (select ip, w, n, max(n) over (partition by ip) as peak_n
			           from (select ip, floor(extract(epoch from "timestamp") / ${WINDOW_SECONDS}) as w, count(*) as n
			                   from directus_activity where "timestamp" >= ? and "timestamp" < ? and coalesce(ip, '') <> ''
			                  group by ip, w having count(*) > ?) t) p
			  group by ip order by peak desc, ip collate "C" limit ?`,
			[FROM, TO, threshold, SUSPICIOUS_LIMIT],
		)
	).rows;
	const actors = over.map((row) => row.actor);
	if (actors.length === 0) return [];
	const seen = (
		await db.raw(
			`select ip as actor, count(*) as n, min("timestamp") as first, max("timestamp") as last from directus_activity where "timestamp" >= ? and "timestamp" < ? and ip = any(?) group by ip`,
			[FROM, TO, actors],
		)
	).rows;
	const touched = (
		await db.raw(
			`select ip as actor, coalesce(collection, '') as collection, count(*) as n from directus_activity where "timestamp" >= ? and "timestamp" < ? and ip = any(?) group by ip, collection`,
			[FROM, TO, actors],
		)
	).rows;
	const seenBy = new Map(seen.map((row) => [row.actor, row]));
	return over.map((row) => {
		const s = seenBy.get(row.actor);
		const second = (date) => new Date(Math.floor(new Date(date).getTime() / 1000) * 1000).toISOString();
		return {
			actor: row.actor,
			peak: Number(row.peak),
			peakWindowStart: new Date(Math.max(Date.parse(FROM), Number(row.peak_w) * WINDOW_SECONDS * 1000)).toISOString(),
			windowsOver: Number(row.windows_over),
			events: Number(s.n),
			firstSeen: second(s.first),
			lastSeen: second(s.last),
			touched: touched
				.filter((t) => t.actor === row.actor)
				.map((t) => ({ collection: t.collection === '' ? null : t.collection, events: Number(t.n) }))
				.sort((a, b) => b.events - a.events || String(a.collection).localeCompare(String(b.collection))),
		};
	});
}

/** The route's actors, uncached (the cache cleared first), with the server's timings. */
export async function suspiciousUncached(url, threshold) {
	await request(url, '/analytics/cache', { method: 'DELETE' });
	const { ms, value } = await timeIt(() => request(url, suspiciousPath(threshold)));
	return { ms, serverMs: value.serverMs, dbMs: value.dbMs, actors: JSON.parse(value.body).data.actors };
}

/** Throws unless the route's actors equal the raw SQL's, field by field. */
export function checkSuspicious(route, raw) {
	const a = JSON.stringify(route);
	const b = JSON.stringify(raw);
	if (a !== b)
		throw new Error(
			`/analytics/suspicious differs from raw SQL:\n route ${a.slice(0, 600)}\n raw   ${b.slice(0, 600)}`,
		);
	if (raw.length === 0) throw new Error('no actor crossed the threshold: nothing to compare');
}
