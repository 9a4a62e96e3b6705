// The panel's options as the component receives them, with their defaults in one place.
export const PANEL_WIDGETS = [
	{ value: 'kpis', text: 'KPI cards' },
	{ value: 'timeseries', text: 'Events and users over time' },
	{ value: 'collections', text: 'Events by collection' },
	{ value: 'actions', text: 'Events by action' },
	{ value: 'users', text: 'Top users' },
	{ value: 'ips', text: 'Top IPs' },
	{ value: 'suspicious', text: 'Suspicious actors' },
	{ value: 'flows', text: 'Flow health' },
] as const;

export type PanelWidget = (typeof PANEL_WIDGETS)[number]['value'];
export const DEFAULT_WIDGETS: PanelWidget[] = PANEL_WIDGETS.map((w) => w.value);

export interface PanelOptions {
	range?: '24h' | '7d' | '30d' | '90d' | 'custom' | null;
	from?: string | null;
	to?: string | null;
	interval?: 'auto' | 'hour' | 'day' | 'week' | null;
	collection?: string | null;
	action?: string | null;
	widgets?: PanelWidget[] | null;
	suspiciousThreshold?: number | null;
	suspiciousWindow?: '15m' | '1h' | '1d' | null;
	autoRefresh?: number | null;
}

export interface ClickFilters {
	collection: string | null;
	user: string | null;
}

/** The window and zone alone, as the Flow routes take them (a flow run has no collection or user filter). */
export function buildPeriodParams(options: PanelOptions, tz: string): Record<string, string> {
	const params: Record<string, string> = { tz };
	if (options.range === 'custom' && options.from && options.to) {
		params['from'] = new Date(options.from).toISOString().replace(/\.\d{3}Z$/, 'Z');
		params['to'] = new Date(options.to).toISOString().replace(/\.\d{3}Z$/, 'Z');
	} else {
		params['range'] = options.range && options.range !== 'custom' ? options.range : '7d';
	}
	return params;
}

/** The query string the activity requests share: window, zone and filters (options, then clicks). */
export function buildWindowParams(options: PanelOptions, clicks: ClickFilters, tz: string): Record<string, string> {
	const params = buildPeriodParams(options, tz);
	const collection = clicks.collection ?? options.collection;
	if (collection) params['collection'] = collection;
	if (options.action) params['action'] = options.action;
	if (clicks.user) params['user'] = clicks.user;
	return params;
}
