import { DIMENSIONS, type Dimension } from '../schema/rollup-tables';

// One typed query, parsed and validated once; every route, the operation and the CLI take this.

import type { BreakdownSort, Interval } from '../../shared/answers';
export { INTERVALS, type Interval } from '../../shared/answers';
export const RANGES = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400, '90d': 90 * 86_400 } as const;
export type RangeKey = keyof typeof RANGES;

export const FILTER_DIMENSIONS = ['collection', 'action', 'user', 'origin'] as const satisfies readonly Dimension[];
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];
export type Filters = Record<FilterDimension, string[]>;

export interface AnalyticsWindow {
	/** Epoch seconds, inclusive. */
	from: number;
	/** Epoch seconds, exclusive. */
	to: number;
	/** The relative range asked for, if any; cache keys use it instead of the moving clock. */
	range: RangeKey | null;
	tz: string;
	filters: Filters;
}

export interface TimeseriesQuery extends AnalyticsWindow {
	interval: Interval;
}

export const BREAKDOWN_DIMENSIONS = DIMENSIONS;
export { BREAKDOWN_SORTS, type BreakdownSort } from '../../shared/answers';

export interface BreakdownQuery extends AnalyticsWindow {
	by: Dimension;
	limit: number;
	sort: BreakdownSort;
}

export const SUSPICIOUS_WINDOWS = { '15m': 900, '1h': 3_600, '1d': 86_400 } as const;
export type SuspiciousWindow = keyof typeof SUSPICIOUS_WINDOWS;

export interface SuspiciousQuery extends AnalyticsWindow {
	by: 'ip' | 'user';
	window: SuspiciousWindow;
	threshold: number;
	/** Failed logins from one IP in one window that make a burst. */
	failedThreshold: number;
	limit: number;
}

export interface TrendingQuery extends AnalyticsWindow {
	limit: number;
}

/** The Flow routes: a window, and optionally one flow's id. */
export interface FlowsQuery extends AnalyticsWindow {
	flow: string | null;
}

export interface FlowFailuresQuery extends FlowsQuery {
	/** Failures strictly before this (time, then id), newest first. */
	before: { at: number; id: number } | null;
	limit: number;
}

export interface TimelineQuery extends AnalyticsWindow {
	item: string | null;
	/** Keyset cursor: the last id of the previous page. */
	before: number | null;
	limit: number;
}

export type ExportFormat = 'csv' | 'ndjson';
export interface ExportQuery extends AnalyticsWindow {
	format: ExportFormat;
}
