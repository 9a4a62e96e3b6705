import { describe, expect, it } from 'vitest';
import { GRAINS, ROLLUP_TABLES } from '../../src/server/schema/rollup-tables';
import { mergeRanges, splitTableWindow, splitWindow } from '../../src/server/query/window-segments';
import { bucketIndexSql, calendarBuckets } from '../../src/server/query/time-buckets';

const at = (iso: string) => Date.parse(iso) / 1000;

describe('splitWindow', () => {
	it('covers the window exactly once with the coarsest whole buckets and raw edges', () => {
		const from = at('2026-03-01T10:07:13Z');
		const to = at('2026-03-05T02:44:59Z');
		const segments = splitWindow(from, to);
		expect(segments[0]).toEqual({ kind: 'raw', from, to: at('2026-03-01T10:15:00Z') });
		expect(segments.at(-1)).toEqual({ kind: 'raw', from: at('2026-03-05T02:30:00Z'), to });
		for (let i = 1; i < segments.length; i++) expect(segments[i]!.from).toBe(segments[i - 1]!.to);
		expect(segments.filter((s) => s.kind === 'rollup' && s.grain.key === 'd')).toEqual([
			{ kind: 'rollup', grain: GRAINS[0], from: at('2026-03-02T00:00:00Z'), to: at('2026-03-05T00:00:00Z') },
		]);
		for (const s of segments) if (s.kind === 'rollup') expect((s.to - s.from) % s.grain.seconds).toBe(0);
	});

	it('reads edges finer than the table keeps as raw rows', () => {
		const segments = splitWindow(at('2026-03-01T10:15:00Z'), at('2026-03-01T13:00:00Z'), GRAINS.slice(0, 2));
		expect(segments.map((s) => s.kind)).toEqual(['raw', 'rollup']);
	});

	it("reads a per-member table's open days (from daysClosedBefore on) from its hours, and closed days from its days", () => {
		const table = ROLLUP_TABLES.find((t) => t.name === 'activity_analytics_rollup_user_dims')!;
		const from = at('2026-03-01T10:07:13Z');
		const to = at('2026-03-06T02:44:59Z');
		const closed = at('2026-03-04T00:00:00Z');
		const allHours = { days: closed, hours: Number.MAX_SAFE_INTEGER };
		const segments = splitTableWindow(from, to, table, allHours);
		for (let i = 1; i < segments.length; i++) expect(segments[i]!.from).toBe(segments[i - 1]!.to);
		expect(segments[0]!.from).toBe(from);
		expect(segments.at(-1)!.to).toBe(to);
		const days = segments.filter((s) => s.kind === 'rollup' && s.grain.key === 'd');
		expect(days).toEqual([{ kind: 'rollup', grain: GRAINS[0], from: at('2026-03-02T00:00:00Z'), to: closed }]);
		const hours = segments.filter((s) => s.kind === 'rollup' && s.grain.key === 'h' && s.from >= closed);
		expect(hours).toEqual([{ kind: 'rollup', grain: GRAINS[1], from: closed, to: at('2026-03-06T02:00:00Z') }]);
		// Tables that upsert their days every refresh ignore the mark.
		const events = ROLLUP_TABLES.find((t) => t.name === 'activity_analytics_rollup_events')!;
		expect(splitTableWindow(from, to, events, { days: closed, hours: closed })).toEqual(
			splitWindow(from, to, events.grains),
		);
		// A window wholly before or after the mark.
		expect(splitTableWindow(from, closed, table, allHours)).toEqual(splitWindow(from, closed, table.grains));
		expect(splitTableWindow(closed, to, table, allHours).some((s) => s.kind === 'rollup' && s.grain.key === 'd')).toBe(
			false,
		);
	});

	it("reads a per-member table's open hours (from hoursClosedBefore on) raw, whole, after its closed hours and days", () => {
		const table = ROLLUP_TABLES.find((t) => t.name === 'activity_analytics_rollup_ip_users')!;
		const from = at('2026-03-01T10:07:13Z');
		const to = at('2026-03-04T05:44:59Z');
		const closed = { days: at('2026-03-04T00:00:00Z'), hours: at('2026-03-04T03:00:00Z') };
		const segments = splitTableWindow(from, to, table, closed);
		for (let i = 1; i < segments.length; i++) expect(segments[i]!.from).toBe(segments[i - 1]!.to);
		expect(segments[0]!.from).toBe(from);
		expect(segments.at(-1)).toEqual({ kind: 'raw', from: closed.hours, to });
		expect(segments.filter((s) => s.kind === 'rollup' && s.to > closed.hours)).toEqual([]);
		expect(segments.filter((s) => s.kind === 'rollup' && s.grain.key === 'h' && s.from >= closed.days)).toEqual([
			{ kind: 'rollup', grain: GRAINS[1], from: closed.days, to: closed.hours },
		]);
		// A window wholly in the open hours is read raw; one that ends before them is not touched by the mark.
		expect(splitTableWindow(closed.hours + 60, to, table, closed)).toEqual([
			{ kind: 'raw', from: closed.hours + 60, to },
		]);
		expect(splitTableWindow(from, closed.days, table, closed)).toEqual(splitWindow(from, closed.days, table.grains));
		// Only the per-member tables have open hours.
		const users = ROLLUP_TABLES.find((t) => t.name === 'activity_analytics_rollup_users')!;
		expect(splitTableWindow(from, to, users, closed)).toEqual(splitWindow(from, to, users.grains));
	});

	it('merges touching ranges', () => {
		expect(
			mergeRanges([
				{ from: 5, to: 9 },
				{ from: 0, to: 5 },
				{ from: 12, to: 13 },
			]),
		).toEqual([
			{ from: 0, to: 9 },
			{ from: 12, to: 13 },
		]);
	});
});

describe('calendarBuckets', () => {
	it('gives 23 and 25 hour days across DST and :45 hour starts in Kathmandu', () => {
		const spring = calendarBuckets(at('2026-03-28T23:00:00Z'), at('2026-03-30T22:00:00Z'), 'day', 'Europe/Berlin');
		expect(spring.map((b) => (b.to - b.from) / 3600)).toEqual([23, 24]);
		const autumn = calendarBuckets(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), 'day', 'Europe/Berlin');
		expect(autumn.map((b) => (b.to - b.from) / 3600)).toEqual([25]);
		const kathmandu = calendarBuckets(at('2026-01-01T00:00:00Z'), at('2026-01-01T03:00:00Z'), 'hour', 'Asia/Kathmandu');
		expect(new Date(kathmandu[1]!.from * 1000).toISOString()).toBe('2026-01-01T00:15:00.000Z');
	});
});

describe('bucketIndexSql', () => {
	// The SQL is nothing but nested `case when at < N then A else B end`; read it back as JS to check every edge.
	const evaluate = (sql: string, at: number): number =>
		Function(
			'at',
			`return ${sql
				.replace(/case when at < (\d+) then /g, '(at < $1 ? ')
				.replace(/ else /g, ' : ')
				.replace(/ end/g, ')')};`,
		)(at) as number;

	it('places every instant of a DST week, hour by hour, in the bucket that holds it', () => {
		const buckets = calendarBuckets(at('2026-10-21T13:17:00Z'), at('2026-10-28T09:00:05Z'), 'hour', 'Europe/Berlin');
		const sql = bucketIndexSql(buckets, 'at');
		expect(sql).not.toMatch(/[^a-z0-9 <()]/);
		buckets.forEach((bucket, i) => {
			for (const instant of [bucket.from, bucket.from + 1, bucket.to - 1]) expect(evaluate(sql, instant)).toBe(i);
		});
		expect(buckets.length).toBe(165);
	});

	it('handles one bucket and uneven counts', () => {
		for (const count of [1, 2, 3, 7, 31]) {
			const buckets = calendarBuckets(
				at('2026-01-01T00:00:00Z'),
				at('2026-01-01T00:00:00Z') + count * 86_400,
				'day',
				'Asia/Kathmandu',
			);
			const sql = bucketIndexSql(buckets, 'at');
			buckets.forEach((bucket, i) => expect(evaluate(sql, bucket.from)).toBe(i));
			buckets.forEach((bucket, i) => expect(evaluate(sql, bucket.to - 1)).toBe(i));
		}
	});
});
