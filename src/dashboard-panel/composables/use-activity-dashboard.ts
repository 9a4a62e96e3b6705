import { useApi } from '@directus/extensions-sdk';
import { onBeforeUnmount, reactive, ref, watch, type Ref } from 'vue';
import {
	buildPeriodParams,
	buildWindowParams,
	DEFAULT_WIDGETS,
	type ClickFilters,
	type PanelOptions,
	type PanelWidget,
} from '../panel-options';
import type { AnalyticsStatus, StatusWarning } from '../../shared/status';
import type {
	BreakdownAnswer,
	FlowFailuresAnswer,
	FlowsAnswer,
	OverviewAnswer,
	SuspiciousAnswer,
	TimeseriesAnswer,
} from '../../shared/answers';

export type LoadState = 'loading' | 'ready' | 'forbidden' | 'error';

interface ApiError {
	response?: { status?: number; data?: { errors?: { message?: string }[] } };
	message?: string;
	name?: string;
}

export interface DashboardData {
	overview: OverviewAnswer | null;
	timeseries: TimeseriesAnswer | null;
	collections: BreakdownAnswer | null;
	users: BreakdownAnswer | null;
	ips: BreakdownAnswer | null;
	suspicious: SuspiciousAnswer | null;
	flows: FlowsAnswer | null;
	flowFailures: FlowFailuresAnswer | null;
	userNames: Record<string, { first_name?: string | null; last_name?: string | null; email?: string | null }>;
}

const empty = (): DashboardData => ({
	overview: null,
	timeseries: null,
	collections: null,
	users: null,
	ips: null,
	suspicious: null,
	flows: null,
	flowFailures: null,
	userNames: {},
});

let panels = 0;

/** Performance marks from mount to first data, so the browser test can time the panel alone. */
function markMount(): string {
	const id = `activity-analytics-${++panels}`;
	performance.mark(`${id}:mounted`);
	return id;
}

/**
 * Loads everything the enabled widgets show from /analytics, in the viewer's time zone, with the viewer's
 * session. Reloads when options, clicks or the dashboard's `now` change, and on the auto-refresh timer.
 */
export function useActivityDashboard(options: Ref<PanelOptions>, now: Ref<Date | undefined>) {
	const api = useApi();
	const state = ref<LoadState>('loading');
	const errorMessage = ref<string | null>(null);
	const data = ref<DashboardData>(empty());
	const cache = ref<{ status: string | null; loadedAt: Date | null; lastRefreshAt: string | null }>({
		status: null,
		loadedAt: null,
		lastRefreshAt: null,
	});
	const warnings = ref<StatusWarning[]>([]);
	const clicks = reactive<ClickFilters>({ collection: null, user: null });
	const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
	let controller: AbortController | null = null;
	let timer: ReturnType<typeof setInterval> | null = null;

	const markId = markMount();
	const markFirstPaint = () => {
		performance.mark(`${markId}:data`);
		performance.measure(`${markId}:first-paint`, `${markId}:mounted`, `${markId}:data`);
	};

	const enabled = (widget: PanelWidget) =>
		(options.value.widgets?.length ? options.value.widgets : DEFAULT_WIDGETS).includes(widget);

	async function get<T>(
		path: string,
		params: Record<string, string>,
		signal: AbortSignal,
	): Promise<{ data: T; cache: string | null }> {
		const response = await api.get<{ data: T }>(path, { params, signal });
		return { data: response.data.data, cache: (response.headers?.['x-cache'] as string | undefined) ?? null };
	}

	async function load(): Promise<void> {
		controller?.abort();
		const current = new AbortController();
		controller = current;
		if (state.value !== 'ready') state.value = 'loading';
		const base = buildWindowParams(options.value, clicks, tz);
		const period = buildPeriodParams(options.value, tz);
		const interval: Record<string, string> =
			options.value.interval && options.value.interval !== 'auto' ? { interval: options.value.interval } : {};
		const threshold = String(options.value.suspiciousThreshold ?? 100);
		const window = options.value.suspiciousWindow ?? '1h';
		try {
			const signal = current.signal;
			const [overview, timeseries, collections, users, ips, suspicious, flows, flowFailures] = await Promise.all([
				enabled('kpis') || enabled('actions') ? get<OverviewAnswer>('/analytics/overview', base, signal) : null,
				enabled('timeseries') ? get<TimeseriesAnswer>('/analytics/timeseries', { ...base, ...interval }, signal) : null,
				enabled('collections')
					? get<BreakdownAnswer>('/analytics/breakdown', { ...base, by: 'collection', limit: '10' }, signal)
					: null,
				enabled('users')
					? get<BreakdownAnswer>('/analytics/breakdown', { ...base, by: 'user', limit: '10' }, signal)
					: null,
				enabled('ips')
					? get<BreakdownAnswer>('/analytics/breakdown', { ...base, by: 'ip', limit: '10' }, signal)
					: null,
				enabled('suspicious')
					? get<SuspiciousAnswer>(
							'/analytics/suspicious',
							{ ...base, by: 'ip', threshold, window, limit: '10' },
							signal,
						)
					: null,
				enabled('flows') ? get<FlowsAnswer>('/analytics/flows', period, signal) : null,
				enabled('flows')
					? get<FlowFailuresAnswer>('/analytics/flows/failures', { ...period, limit: '5' }, signal)
					: null,
			]);
			const next: DashboardData = {
				overview: overview?.data ?? null,
				timeseries: timeseries?.data ?? null,
				collections: collections?.data ?? null,
				users: users?.data ?? null,
				ips: ips?.data ?? null,
				suspicious: suspicious?.data ?? null,
				flows: flows?.data ?? null,
				flowFailures: flowFailures?.data ?? null,
				userNames: data.value.userNames,
			};
			data.value = next;
			if (state.value !== 'ready') markFirstPaint();
			state.value = 'ready';
			cache.value = {
				status: overview?.cache ?? timeseries?.cache ?? null,
				loadedAt: new Date(),
				lastRefreshAt: cache.value.lastRefreshAt,
			};
			void loadNames(next, signal);
			void loadFreshness(signal);
		} catch (error) {
			const e = error as ApiError;
			if (e.name === 'CanceledError' || e.name === 'AbortError' || current.signal.aborted) return;
			const code = e.response?.status;
			if (code === 401 || code === 403) {
				state.value = 'forbidden';
				return;
			}
			errorMessage.value = e.response?.data?.errors?.[0]?.message ?? e.message ?? 'Unknown error';
			state.value = 'error';
		}
	}

	/** Names of the top users, read with the viewer's own permissions; ids stay when they may not read users. */
	async function loadNames(next: DashboardData, signal: AbortSignal): Promise<void> {
		const ids = (next.users?.rows ?? [])
			.map((r) => r.key)
			.filter((k): k is string => Boolean(k) && !(k! in data.value.userNames));
		if (ids.length === 0) return;
		try {
			const response = await api.get<{
				data: { id: string; first_name: string | null; last_name: string | null; email: string | null }[];
			}>('/users', {
				params: {
					filter: JSON.stringify({ id: { _in: ids } }),
					fields: 'id,first_name,last_name,email',
					limit: ids.length,
				},
				signal,
			});
			const names = { ...data.value.userNames };
			for (const user of response.data.data) names[user.id] = user;
			data.value = { ...data.value, userNames: names };
		} catch {
			// no permission to read users: ids are shown
		}
	}

	async function loadFreshness(signal: AbortSignal): Promise<void> {
		try {
			const response = await api.get<{ data: Pick<AnalyticsStatus, 'rollup' | 'warnings'> }>('/analytics/status', {
				signal,
			});
			cache.value = { ...cache.value, lastRefreshAt: response.data.data.rollup.lastRefreshAt };
			warnings.value = response.data.data.warnings ?? [];
		} catch {
			// freshness and warnings are hints only
		}
	}

	function schedule(): void {
		if (timer) clearInterval(timer);
		timer = null;
		const seconds = Number(options.value.autoRefresh ?? 0);
		if (seconds > 0) timer = setInterval(load, Math.max(5, seconds) * 1000);
	}

	watch(
		options,
		() => {
			schedule();
			void load();
		},
		{ deep: true, immediate: true },
	);
	watch(now, () => void load());
	watch(clicks, () => void load());

	onBeforeUnmount(() => {
		controller?.abort();
		if (timer) clearInterval(timer);
	});

	return { state, errorMessage, data, cache, warnings, clicks, enabled, reload: load };
}
