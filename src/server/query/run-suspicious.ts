import { dimensionKeys } from '../schema/dimension-keys';
import { SUSPICIOUS_WINDOWS, type SuspiciousQuery } from './analytics-query';
import { compareKeys } from './rank-order';
import type { QueryContext } from './read-snapshot';
import { rawFiltersSql } from './activity-source';
import { runFailedLoginBursts } from './run-failed-logins';
import { heavyWindows } from './heavy-windows';
import { querySource, toKey, toNumber } from './source-query';
import type { SuspiciousAnswer } from '../../shared/answers';

/** Fixed windows aligned to UTC multiples of the window length, clipped to the query's window. */
export function suspiciousWindows(from: number, to: number, seconds: number): { from: number; to: number }[] {
	const windows: { from: number; to: number }[] = [];
	for (let start = Math.floor(from / seconds) * seconds; start < to; start += seconds) {
		windows.push({ from: Math.max(from, start), to: Math.min(to, start + seconds) });
	}
	return windows;
}

/**
 * Actors (IPs or users) with more than `threshold` events in at least one fixed window, busiest first,
 * with first and last seen and the collections they touched. Counts are exact.
 */
export async function runSuspicious(context: QueryContext, query: SuspiciousQuery): Promise<SuspiciousAnswer> {
	const q = (name: string) => context.dialect.quote(name);
	const seconds = SUSPICIOUS_WINDOWS[query.window];
	const ranges = suspiciousWindows(query.from, query.to, seconds);
	const by = query.by;
	const overRows = await heavyWindows(context, {
		by,
		filters: query.filters,
		ranges,
		seconds,
		threshold: query.threshold,
	});
	// Statements (and, on MySQL, groups of one statement) may spell an actor "FE80::A" or "fe80::a": each is
	// merged under the key the database compares by, and keeps the first spelling seen.
	const keyOf = (await dimensionKeys(context.db))[by];
	const spelling = new Map<string, string>();
	const actorOf = (value: unknown) => {
		const key = keyOf(String(value));
		if (!spelling.has(key)) spelling.set(key, String(value));
		return spelling.get(key)!;
	};
	const byActor = new Map<string, { peak: number; peakWindow: number; windowsOver: number }>();
	for (const row of overRows) {
		const actor = actorOf(row['actor']);
		const n = toNumber(row['n']);
		const w = toNumber(row['w']);
		const entry = byActor.get(actor) ?? { peak: 0, peakWindow: w, windowsOver: 0 };
		entry.windowsOver++;
		if (n > entry.peak || (n === entry.peak && w < entry.peakWindow)) {
			entry.peak = n;
			entry.peakWindow = w;
		}
		byActor.set(actor, entry);
	}
	const ranked = [...byActor.entries()]
		.sort((a, b) => b[1].peak - a[1].peak || compareKeys(a[0], b[0]))
		.slice(0, query.limit);
	const failedLogins = { threshold: query.failedThreshold, bursts: await runFailedLoginBursts(context, query) };
	if (ranked.length === 0) return { by, window: query.window, threshold: query.threshold, actors: [], failedLogins };
	const actors = ranked.map(([actor]) => actor);

	const touchedRows = await querySource(
		context,
		{
			select: [by, 'collection'],
			filters: { ...query.filters, [by]: actors },
			ranges: [{ from: query.from, to: query.to }],
		},
		(s) =>
			`select ${q(by)} as ${q('actor')}, ${q('collection')}, sum(${q('events')}) as ${q('n')} from ${s} group by ${q(by)}, ${q('collection')}`,
	);
	const touched = new Map<string, { collection: string | null; events: number }[]>();
	for (const row of touchedRows) {
		const actor = actorOf(row['actor']);
		const list = touched.get(actor) ?? [];
		list.push({ collection: toKey(row['collection']), events: toNumber(row['n']) });
		touched.set(actor, list);
	}

	// First and last seen come from the raw rows, exact to the second: two index lookups per actor.
	const range = context.dialect.timestampRange(q('timestamp'), query.from, query.to);
	const filters = rawFiltersSql(context.dialect, query.filters);
	const edge = (fn: 'min' | 'max') =>
		`(select ${context.dialect.extremeEpochSeconds(fn, q('timestamp'))} from ${q('directus_activity')} where ${q(by)} = ? and ${range.sql}${filters.sql})`;
	const seen = context.dialect.rows(
		await context.db.raw(
			actors
				.map((_, i) => `select ${i} as ${q('i')}, ${edge('min')} as ${q('first')}, ${edge('max')} as ${q('last')}`)
				.join(' union all '),
			actors.flatMap((actor) => [0, 1].flatMap(() => [actor, ...range.bindings, ...filters.bindings])),
		),
	);
	const seenBy = new Map(seen.map((row) => [actors[toNumber(row['i'])]!, row]));
	const iso = (epochSeconds: number) => new Date(Math.round(epochSeconds * 1000)).toISOString();
	return {
		by,
		window: query.window,
		threshold: query.threshold,
		failedLogins,
		actors: ranked.map(([actor, entry]) => {
			const row = seenBy.get(actor);
			return {
				actor,
				peak: entry.peak,
				peakWindowStart: iso(Math.max(query.from, entry.peakWindow * seconds)),
				windowsOver: entry.windowsOver,
				events: (touched.get(actor) ?? []).reduce((sum, t) => sum + t.events, 0),
				firstSeen: iso(toNumber(row?.['first'])),
				lastSeen: iso(toNumber(row?.['last'])),
				touched: (touched.get(actor) ?? []).sort(
					(a, b) => b.events - a.events || String(a.collection).localeCompare(String(b.collection)),
				),
			};
		}),
	};
}
