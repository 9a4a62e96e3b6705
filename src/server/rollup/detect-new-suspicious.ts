import type { AnalyticsRuntime } from '../analytics-runtime';
import { dialectOf } from '../dialect';
import { SUSPICIOUS_WINDOWS } from '../query/analytics-query';
import { withReadSnapshot } from '../query/read-snapshot';
import { runSuspicious, type SuspiciousActor } from '../query/run-suspicious';
import { ALERTS_TABLE } from './rollup-tables';

export interface SuspiciousAlert {
	by: 'ip' | 'user';
	actor: string;
	window: string;
	windowStart: string;
	peak: number;
	threshold: number;
	touched: SuspiciousActor['touched'];
}

const NO_FILTERS = { collection: [], action: [], user: [], origin: [] };

/**
 * Actors that crossed the configured threshold in the current or previous window and were not announced
 * yet. The alerts table makes each (actor, window) announce once, whichever instance refreshes.
 */
export async function detectNewSuspicious(runtime: AnalyticsRuntime, now = Date.now()): Promise<SuspiciousAlert[]> {
	const { suspiciousThreshold: threshold, suspiciousWindow: window } = runtime.config;
	const seconds = SUSPICIOUS_WINDOWS[window];
	const to = Math.floor(now / 1000);
	const from = (Math.floor(to / seconds) - 1) * seconds;
	const alerts: SuspiciousAlert[] = [];
	for (const by of ['ip', 'user'] as const) {
		const result = await withReadSnapshot(runtime.database, runtime.config.statementTimeoutMs, (context) =>
			runSuspicious(context, { from, to, range: null, tz: 'UTC', filters: NO_FILTERS, by, window, threshold, limit: 100 }),
		);
		for (const actor of result.actors) {
			const windowStart = Math.floor(Date.parse(actor.peakWindowStart) / 1000 / seconds) * seconds;
			const row = { by, actor: actor.actor.slice(0, 64), window_start: windowStart, peak: actor.peak, created_at: now };
			let inserted: boolean;
			if (dialectOf(runtime.database) === 'mysql') {
				const exists = await runtime.database(ALERTS_TABLE).where({ by, actor: row.actor, window_start: windowStart }).first();
				if (!exists) await runtime.database(ALERTS_TABLE).insert(row).onConflict(['by', 'actor', 'window_start']).ignore();
				inserted = !exists;
			} else {
				const returned = await runtime.database(ALERTS_TABLE).insert(row).onConflict(['by', 'actor', 'window_start']).ignore().returning('actor');
				inserted = returned.length > 0;
			}
			if (inserted) {
				alerts.push({ by, actor: actor.actor, window, windowStart: new Date(windowStart * 1000).toISOString(), peak: actor.peak, threshold, touched: actor.touched });
			}
		}
	}
	return alerts;
}
