import type { Knex } from 'knex';
import type { AnalyticsConfig } from '../schema/config';
import { SUSPICIOUS_WINDOWS } from '../query/analytics-query';
import { withReadSnapshot } from '../query/read-snapshot';
import { runSuspicious } from '../query/run-suspicious';
import type { SuspiciousActor } from '../../shared/answers';
import { ALERTS_TABLE } from '../schema/rollup-tables';

export interface SuspiciousAlert {
	by: 'ip' | 'user';
	actor: string;
	window: string;
	window_start: number;
	peak: number;
	threshold: number;
	touched: SuspiciousActor['touched'];
}

/** Stores alerts as Directus items (so Flows hear items.create); returns those that were new. */
export type AlertSink = (alerts: SuspiciousAlert[]) => Promise<SuspiciousAlert[]>;

const NO_FILTERS = { collection: [], action: [], user: [], origin: [] };

/**
 * Actors that crossed the configured threshold in the current or previous window and were not announced
 * yet. The alerts table's unique key makes each (actor, window) announce once across instances.
 */
export interface SuspiciousDetectionDeps {
	database: Knex;
	config: Pick<AnalyticsConfig, 'suspiciousThreshold' | 'suspiciousWindow' | 'statementTimeoutMs'>;
}

export async function detectNewSuspicious(
	deps: SuspiciousDetectionDeps,
	sink: AlertSink,
	now = Date.now(),
): Promise<SuspiciousAlert[]> {
	const { suspiciousThreshold: threshold, suspiciousWindow: window } = deps.config;
	const seconds = SUSPICIOUS_WINDOWS[window];
	const to = Math.floor(now / 1000);
	const from = (Math.floor(to / seconds) - 1) * seconds;
	const candidates: SuspiciousAlert[] = [];
	for (const by of ['ip', 'user'] as const) {
		const result = await withReadSnapshot(deps.database, deps.config.statementTimeoutMs, (context) =>
			runSuspicious(context, {
				from,
				to,
				range: null,
				tz: 'UTC',
				filters: NO_FILTERS,
				by,
				window,
				threshold,
				failedThreshold: 5,
				limit: 100,
			}),
		);
		for (const actor of result.actors) {
			const windowStart = Math.floor(Date.parse(actor.peakWindowStart) / 1000 / seconds) * seconds;
			const known = await deps
				.database(ALERTS_TABLE)
				.where({ by, actor: actor.actor.slice(0, 64), window_start: windowStart })
				.first();
			if (known) continue;
			const alert: SuspiciousAlert = {
				by,
				actor: actor.actor.slice(0, 64),
				window,
				window_start: windowStart,
				peak: actor.peak,
				threshold,
				touched: actor.touched,
			};
			candidates.push(alert);
		}
	}
	return candidates.length > 0 ? sink(candidates) : [];
}
