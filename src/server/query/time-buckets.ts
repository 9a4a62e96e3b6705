import { TZDate } from '@date-fns/tz';
import {
	addDays,
	addHours,
	addMinutes,
	addMonths,
	addWeeks,
	startOfDay,
	startOfHour,
	startOfMinute,
	startOfMonth,
	startOfWeek,
} from 'date-fns';
import type { Interval } from './analytics-query';

export interface Bucket {
	/** Epoch seconds of the calendar bucket's start in the time zone (may precede the window). */
	start: number;
	/** Clipped to the window: [from, to). */
	from: number;
	to: number;
}

function startOf(date: TZDate, interval: Interval): TZDate {
	switch (interval) {
		case 'minute':
			return startOfMinute(date);
		case 'hour':
			return startOfHour(date);
		case 'day':
			return startOfDay(date);
		case 'week':
			return startOfWeek(date, { weekStartsOn: 1 });
		case 'month':
			return startOfMonth(date);
	}
}

function next(date: TZDate, interval: Interval): TZDate {
	switch (interval) {
		case 'minute':
			return addMinutes(date, 1);
		case 'hour':
			return addHours(date, 1);
		case 'day':
			return addDays(date, 1);
		case 'week':
			return addWeeks(date, 1);
		case 'month':
			return addMonths(date, 1);
	}
}

/**
 * Calendar buckets of the interval in the IANA zone that meet [from, to), in order, clipped to the window.
 * Days are 23 or 25 hours across DST changes; hours in zones offset by :30 or :45 start there.
 */
export function calendarBuckets(from: number, to: number, interval: Interval, tz: string): Bucket[] {
	const buckets: Bucket[] = [];
	let start = startOf(new TZDate(from * 1000, tz), interval);
	while (start.getTime() / 1000 < to) {
		const end = next(start, interval);
		const startSeconds = Math.floor(start.getTime() / 1000);
		const endSeconds = Math.floor(end.getTime() / 1000);
		if (endSeconds <= startSeconds) throw new Error(`calendar bucket did not advance at ${start.toISOString()}`);
		buckets.push({ start: startSeconds, from: Math.max(from, startSeconds), to: Math.min(to, endSeconds) });
		start = end;
	}
	return buckets;
}

/**
 * SQL for the index of the bucket holding `at` (epoch seconds), as a balanced tree of CASEs: the
 * database places each row in its bucket, so only one row per bucket comes back, whatever the row count.
 * Boundaries are integers computed here, never input. Buckets are sorted and contiguous.
 */
export function bucketIndexSql(buckets: readonly Bucket[], at: string): string {
	const tree = (lo: number, hi: number): string => {
		if (lo === hi) return String(lo);
		const mid = (lo + hi + 1) >> 1;
		return `case when ${at} < ${Math.trunc(buckets[mid]!.from)} then ${tree(lo, mid - 1)} else ${tree(mid, hi)} end`;
	};
	return buckets.length === 0 ? 'null' : tree(0, buckets.length - 1);
}

/** The bucket's local wall-clock label, e.g. 2026-03-29T03:00:00+02:00. */
export function localLabel(epochSeconds: number, tz: string): string {
	const date = new TZDate(epochSeconds * 1000, tz);
	const pad = (n: number) => String(n).padStart(2, '0');
	const offset = -date.getTimezoneOffset();
	const sign = offset >= 0 ? '+' : '-';
	const abs = Math.abs(offset);
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The index of the last bucket starting at or before `at` (buckets are contiguous and sorted). */
export function bucketAt(starts: readonly number[], at: number): number {
	let lo = 0;
	let hi = starts.length - 1;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (starts[mid]! <= at) lo = mid;
		else hi = mid - 1;
	}
	return lo;
}
