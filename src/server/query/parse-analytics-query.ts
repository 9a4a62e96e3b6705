import { TZDate } from '@date-fns/tz';
import { DIMENSIONS, type Dimension } from '../schema/rollup-tables';
import {
	BREAKDOWN_SORTS,
	FILTER_DIMENSIONS,
	INTERVALS,
	RANGES,
	SUSPICIOUS_WINDOWS,
	type AnalyticsWindow,
	type BreakdownQuery,
	type BreakdownSort,
	type ExportQuery,
	type FlowFailuresQuery,
	type FlowsQuery,
	type Filters,
	type Interval,
	type RangeKey,
	type SuspiciousQuery,
	type SuspiciousWindow,
	type TimelineQuery,
	type TimeseriesQuery,
	type TrendingQuery,
} from './analytics-query';
import { AnalyticsQueryError } from './query-error';

export type RawParams = Record<string, unknown>;

export interface ParseContext {
	/** Epoch ms; relative ranges end here. */
	now: number;
	maxWindowDays: number;
}

const WINDOW_PARAMS = ['range', 'from', 'to', 'tz', ...FILTER_DIMENSIONS] as const;

const FILTER_PATTERNS: Record<(typeof FILTER_DIMENSIONS)[number], { pattern: RegExp; hint: string }> = {
	// Directus takes any name that fits its 64-character key (café_menü included); the comma separates values.
	collection: {
		pattern: /^[^\p{C},]{1,64}$/u,
		hint: 'a collection name (up to 64 characters, no commas or control characters)',
	},
	action: { pattern: /^[a-z_]{1,45}$/, hint: 'an action such as create, update, delete, login or run' },
	user: {
		pattern: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
		hint: 'a user id (UUID)',
	},
	origin: {
		pattern: /^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9.\-:[\]]{1,240}$/,
		hint: 'an origin such as https://admin.example.com',
	},
};

const MAX_FILTER_VALUES = 50;
const MAX_BUCKETS = 2_000;

function assertKnownParams(params: RawParams, allowed: readonly string[]): void {
	for (const key of Object.keys(params)) {
		if (!allowed.includes(key))
			throw new AnalyticsQueryError(key, `unknown parameter; this route takes ${allowed.join(', ')}`);
	}
}

function readSingle(params: RawParams, name: string): string | undefined {
	const value = params[name];
	if (value === undefined) return undefined;
	if (typeof value !== 'string') throw new AnalyticsQueryError(name, 'give it once, as a plain value');
	return value.trim();
}

function readList(params: RawParams, name: string): string[] {
	const value = params[name];
	if (value === undefined) return [];
	const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => {
		if (typeof v !== 'string')
			throw new AnalyticsQueryError(name, 'give a comma-separated list or repeat the parameter');
		return v.split(',');
	});
	return [...new Set(parts.map((p) => p.trim()).filter(Boolean))];
}

function readInteger(params: RawParams, name: string, fallback: number, min: number, max: number): number {
	const raw = readSingle(params, name);
	if (raw === undefined || raw === '') return fallback;
	if (!/^\d+$/.test(raw)) throw new AnalyticsQueryError(name, `must be a whole number from ${min} to ${max}`);
	const value = Number(raw);
	if (value < min || value > max) throw new AnalyticsQueryError(name, `must be from ${min} to ${max}`);
	return value;
}

function readChoice<T extends string>(params: RawParams, name: string, choices: readonly T[], fallback: T): T {
	const raw = readSingle(params, name);
	if (raw === undefined || raw === '') return fallback;
	if (!(choices as readonly string[]).includes(raw))
		throw new AnalyticsQueryError(name, `must be one of ${choices.join(', ')}`);
	return raw as T;
}

export function isValidTimeZone(tz: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: tz });
		return true;
	} catch {
		return false;
	}
}

const NAIVE_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ZONED_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.0+)?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/** Date.parse rolls an impossible day over (2025-02-30 becomes March 2): every field must exist as written. */
function isRealDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
	const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
	return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h <= 23 && mi <= 59 && s <= 59;
}

/** ISO instant with a zone, or a wall time (date, or date and time) read in tz. Whole seconds only. */
function parseInstant(name: string, raw: string, tz: string): number {
	const naive = NAIVE_DATE.exec(raw);
	const zoned = naive ? null : ZONED_DATE.exec(raw);
	let ms: number;
	if (naive) {
		const [, y, mo, d, h = '0', mi = '0', s = '0'] = naive;
		if (!isRealDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)))
			throw new AnalyticsQueryError(name, `"${raw}" is not a calendar date`);
		const date = new TZDate(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), tz);
		ms = date.getTime();
	} else if (zoned) {
		const [, y, mo, d, h, mi, s = '0', offsetHours = '0', offsetMinutes = '0'] = zoned;
		if (
			!isRealDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)) ||
			Number(offsetHours) > 23 ||
			Number(offsetMinutes) > 59
		) {
			throw new AnalyticsQueryError(name, `"${raw}" is not a calendar date and time`);
		}
		ms = Date.parse(raw);
	} else {
		throw new AnalyticsQueryError(
			name,
			'must be an ISO 8601 date such as 2026-03-29 or 2026-03-29T10:00:00Z (whole seconds)',
		);
	}
	if (!Number.isFinite(ms)) throw new AnalyticsQueryError(name, `"${raw}" is not a valid date`);
	if (ms % 1000 !== 0) throw new AnalyticsQueryError(name, 'must be whole seconds');
	return ms / 1000;
}

function parseFilters(params: RawParams): Filters {
	const filters = {} as Filters;
	for (const dim of FILTER_DIMENSIONS) {
		const values = readList(params, dim);
		if (values.length > MAX_FILTER_VALUES) throw new AnalyticsQueryError(dim, `at most ${MAX_FILTER_VALUES} values`);
		const { pattern, hint } = FILTER_PATTERNS[dim];
		for (const value of values)
			if (!pattern.test(value)) throw new AnalyticsQueryError(dim, `"${value.slice(0, 80)}" is not ${hint}`);
		filters[dim] = values;
	}
	return filters;
}

/** The window, time zone and filters every route shares. */
export function parseWindow(params: RawParams, context: ParseContext): AnalyticsWindow {
	const tz = readSingle(params, 'tz') || 'UTC';
	if (!isValidTimeZone(tz))
		throw new AnalyticsQueryError('tz', `"${tz.slice(0, 60)}" is not an IANA time zone such as Europe/Berlin`);
	const rangeRaw = readSingle(params, 'range');
	const fromRaw = readSingle(params, 'from');
	const toRaw = readSingle(params, 'to');
	let from: number;
	let to: number;
	let range: RangeKey | null = null;
	if (fromRaw !== undefined || toRaw !== undefined) {
		if (rangeRaw !== undefined) throw new AnalyticsQueryError('range', 'give either range or from/to, not both');
		if (!fromRaw) throw new AnalyticsQueryError('from', 'is required with to');
		if (!toRaw) throw new AnalyticsQueryError('to', 'is required with from');
		from = parseInstant('from', fromRaw, tz);
		to = parseInstant('to', toRaw, tz);
		if (from >= to) throw new AnalyticsQueryError('from', 'must be before to');
	} else {
		range = readChoice(params, 'range', Object.keys(RANGES) as RangeKey[], '7d');
		to = Math.floor(context.now / 1000);
		from = to - RANGES[range];
	}
	if (to - from > context.maxWindowDays * 86_400)
		throw new AnalyticsQueryError(
			from === to ? 'to' : 'from',
			`the window may span at most ${context.maxWindowDays} days`,
		);
	if (from < 0) throw new AnalyticsQueryError('from', 'must be after 1970');
	return { from, to, range, tz, filters: parseFilters(params) };
}

/** 'auto' picks a bucket size that gives a readable chart for the window. */
export function autoInterval(seconds: number): Interval {
	if (seconds <= 3 * 3600) return 'minute';
	if (seconds <= 3 * 86_400) return 'hour';
	if (seconds <= 120 * 86_400) return 'day';
	return 'week';
}

const APPROX_BUCKET_SECONDS: Record<Interval, number> = {
	minute: 60,
	hour: 3600,
	day: 86_400,
	week: 7 * 86_400,
	month: 28 * 86_400,
};

export function parseTimeseriesQuery(params: RawParams, context: ParseContext): TimeseriesQuery {
	assertKnownParams(params, [...WINDOW_PARAMS, 'interval']);
	const window = parseWindow(params, context);
	const raw = readChoice(params, 'interval', [...INTERVALS, 'auto'] as const, 'auto');
	const interval = raw === 'auto' ? autoInterval(window.to - window.from) : raw;
	if ((window.to - window.from) / APPROX_BUCKET_SECONDS[interval] > MAX_BUCKETS) {
		throw new AnalyticsQueryError(
			'interval',
			`"${interval}" gives more than ${MAX_BUCKETS} buckets for this window; choose a coarser one`,
		);
	}
	return { ...window, interval };
}

export function parseOverviewQuery(params: RawParams, context: ParseContext): AnalyticsWindow {
	assertKnownParams(params, WINDOW_PARAMS);
	return parseWindow(params, context);
}

export function parseBreakdownQuery(params: RawParams, context: ParseContext): BreakdownQuery {
	assertKnownParams(params, [...WINDOW_PARAMS, 'by', 'limit', 'sort']);
	const window = parseWindow(params, context);
	if (!readSingle(params, 'by')) throw new AnalyticsQueryError('by', `is required: one of ${DIMENSIONS.join(', ')}`);
	return {
		...window,
		by: readChoice<Dimension>(params, 'by', DIMENSIONS, 'collection'),
		limit: readInteger(params, 'limit', 10, 1, 100),
		sort: readChoice<BreakdownSort>(params, 'sort', BREAKDOWN_SORTS, 'events'),
	};
}

export function parseSuspiciousQuery(params: RawParams, context: ParseContext): SuspiciousQuery {
	assertKnownParams(params, [...WINDOW_PARAMS, 'by', 'window', 'threshold', 'failed_threshold', 'limit']);
	return {
		...parseWindow(params, context),
		by: readChoice(params, 'by', ['ip', 'user'] as const, 'ip'),
		window: readChoice<SuspiciousWindow>(params, 'window', Object.keys(SUSPICIOUS_WINDOWS) as SuspiciousWindow[], '1h'),
		threshold: readInteger(params, 'threshold', 100, 1, 1_000_000_000),
		failedThreshold: readInteger(params, 'failed_threshold', 5, 1, 1_000_000),
		limit: readInteger(params, 'limit', 20, 1, 100),
	};
}

export function parseTrendingQuery(params: RawParams, context: ParseContext): TrendingQuery {
	assertKnownParams(params, [...WINDOW_PARAMS, 'limit']);
	return { ...parseWindow(params, context), limit: readInteger(params, 'limit', 10, 1, 100) };
}

export function parseTimelineQuery(params: RawParams, context: ParseContext): TimelineQuery {
	assertKnownParams(params, [...WINDOW_PARAMS, 'item', 'cursor', 'limit']);
	const window = parseWindow(params, context);
	const item = readSingle(params, 'item') || null;
	if (item !== null && !/^[A-Za-z0-9_.:@-]{1,255}$/.test(item))
		throw new AnalyticsQueryError('item', 'must be an item key (letters, digits, _ . : @ -)');
	if (item !== null && window.filters.collection.length !== 1)
		throw new AnalyticsQueryError('item', 'needs exactly one collection');
	const cursor = readSingle(params, 'cursor') || null;
	let before: number | null = null;
	if (cursor !== null) {
		const decoded = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
		if (!/^id:\d{1,18}$/.test(decoded)) throw new AnalyticsQueryError('cursor', 'is not a cursor this API returned');
		before = Number(decoded.slice(3));
	}
	return { ...window, item, before, limit: readInteger(params, 'limit', 50, 1, 500) };
}

export function encodeTimelineCursor(id: number): string {
	return Buffer.from(`id:${id}`, 'utf8').toString('base64url');
}

export function parseExportQuery(params: RawParams, context: ParseContext): ExportQuery {
	assertKnownParams(params, [...WINDOW_PARAMS, 'format']);
	return {
		...parseWindow(params, context),
		format: readChoice(params, 'format', ['csv', 'ndjson'] as const, 'ndjson'),
	};
}

/** The Flow routes take a window (no activity filters) and, optionally, one flow. */
const FLOW_WINDOW_PARAMS = ['range', 'from', 'to', 'tz', 'flow'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseFlowWindow(params: RawParams, context: ParseContext, extra: readonly string[]): FlowsQuery {
	assertKnownParams(params, [...FLOW_WINDOW_PARAMS, ...extra]);
	const flow = readSingle(params, 'flow') || null;
	if (flow !== null && !UUID.test(flow)) throw new AnalyticsQueryError('flow', 'must be a flow id (a UUID)');
	return { ...parseWindow(params, context), flow: flow?.toLowerCase() ?? null };
}

export function parseFlowsQuery(params: RawParams, context: ParseContext): FlowsQuery {
	return parseFlowWindow(params, context, []);
}

export function parseFlowOperationsQuery(params: RawParams, context: ParseContext): FlowsQuery {
	return parseFlowWindow(params, context, []);
}

export function parseFlowFailuresQuery(params: RawParams, context: ParseContext): FlowFailuresQuery {
	const window = parseFlowWindow(params, context, ['cursor', 'limit']);
	const cursor = readSingle(params, 'cursor') || null;
	let before: { at: number; id: number } | null = null;
	if (cursor !== null) {
		const decoded = /^[A-Za-z0-9_-]{1,60}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
		const match = /^at:(\d{1,12}),id:(\d{1,18})$/.exec(decoded);
		if (!match) throw new AnalyticsQueryError('cursor', 'is not a cursor this API returned');
		before = { at: Number(match[1]), id: Number(match[2]) };
	}
	return { ...window, before, limit: readInteger(params, 'limit', 50, 1, 200) };
}

export function encodeFlowFailureCursor(at: number, id: number): string {
	return Buffer.from(`at:${at},id:${id}`, 'utf8').toString('base64url');
}
