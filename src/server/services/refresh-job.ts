import type { AnalyticsRuntime } from './analytics-runtime';
import { answerQuery } from './answer-query';
import { parseBreakdownQuery, parseOverviewQuery, parseTimeseriesQuery } from '../query/parse-analytics-query';
import { runBreakdown } from '../query/run-breakdown';
import { runOverview } from '../query/run-overview';
import { runTimeseries } from '../query/run-timeseries';
import { ADMIN_SCOPE } from './access-scope';
import type { AlertSinks } from './alert-sink';
import { detectFailingFlows } from './detect-failing-flows';
import { detectNewSuspicious } from './detect-new-suspicious';
import { refreshRollups, type RefreshOptions, type RefreshResult } from '../rollup/refresh-rollups';

export interface RefreshReport extends RefreshResult {
	/** Newly suspicious actors announced. */
	alerts: number;
	/** Flows newly announced as failing past the threshold. */
	flowAlerts: number;
	warmed: number;
}

let running: Promise<RefreshReport> | null = null;

/** The queries the default panel makes, so the first viewer after a refresh hits a warm cache. */
async function warmDefaultQueries(runtime: AnalyticsRuntime): Promise<number> {
	const context = { now: Date.now(), maxWindowDays: runtime.config.maxWindowDays };
	const base = { range: '7d' };
	await answerQuery(runtime, 'overview', ADMIN_SCOPE, parseOverviewQuery(base, context), runOverview);
	await answerQuery(
		runtime,
		'timeseries',
		ADMIN_SCOPE,
		parseTimeseriesQuery({ ...base, interval: 'hour' }, context),
		runTimeseries,
	);
	await answerQuery(
		runtime,
		'breakdown',
		ADMIN_SCOPE,
		parseBreakdownQuery({ ...base, by: 'collection' }, context),
		runBreakdown,
	);
	await answerQuery(
		runtime,
		'breakdown',
		ADMIN_SCOPE,
		parseBreakdownQuery({ ...base, by: 'ip', limit: '10' }, context),
		runBreakdown,
	);
	return 4;
}

/** Alerts are a by-product: a failure here must not fail the refresh that already committed. */
function countAnnounced(runtime: AnalyticsRuntime, what: string, detection: Promise<unknown[]>): Promise<number> {
	return detection.then(
		(created) => created.length,
		(error: unknown) => {
			runtime.logger.warn(
				{ err: error instanceof Error ? error.message : String(error) },
				`activity analytics: ${what} alerts failed`,
			);
			return 0;
		},
	);
}

/**
 * Refresh, then announce newly suspicious actors and failing flows, and warm the cache. One at a time per process;
 * across instances the refresh itself is serialised by the state row lock.
 */
export async function runRefresh(
	runtime: AnalyticsRuntime,
	options: RefreshOptions & { alerts?: AlertSinks; fresh?: boolean } = {},
): Promise<RefreshReport> {
	// A refresh asked for now (the route) must absorb what was committed before it was asked: one already under
	// way may have read its rows earlier, so it is waited for, and a new one runs.
	if (running && options.fresh) await running.catch(() => undefined);
	if (running) return running;
	running = (async () => {
		await runtime.ready;
		const result = await refreshRollups(runtime.database, options);
		let alerts = 0;
		let flowAlerts = 0;
		let warmed = 0;
		if (result.rows > 0) {
			if (options.alerts) {
				alerts = await countAnnounced(
					runtime,
					'suspicious-activity',
					detectNewSuspicious(runtime, options.alerts.suspicious),
				);
				flowAlerts = await countAnnounced(runtime, 'flow failure', detectFailingFlows(runtime, options.alerts.flows));
			}
			if (runtime.config.warmCache) {
				warmed = await warmDefaultQueries(runtime).catch((error: unknown) => {
					runtime.logger.warn(
						{ err: error instanceof Error ? error.message : String(error) },
						'activity analytics: cache warm-up failed',
					);
					return 0;
				});
			}
		}
		return { ...result, alerts, flowAlerts, warmed };
	})().finally(() => {
		running = null;
	});
	return running;
}
