import type { Knex } from 'knex';
import type { AnalyticsConfig } from '../schema/config';
import { FLOW_ALERTS_TABLE } from '../schema/flow-tables';
import { SUSPICIOUS_WINDOWS } from '../query/analytics-query';
import { withReadSnapshot } from '../query/read-snapshot';
import { runFlowFailures, runFlows } from '../query/run-flows';

export interface FlowAlert {
	flow: string;
	name: string | null;
	window: string;
	/** Epoch seconds; windows are clock-aligned in UTC. */
	window_start: number;
	runs: number;
	succeeded: number;
	failed: number;
	failure_rate: number;
	threshold: number;
	last_failure_at: number | null;
	last_error: string | null;
}

/** Stores flow alerts as Directus items (so Flows hear items.create); returns those that were new. */
export type FlowAlertSink = (alerts: FlowAlert[]) => Promise<FlowAlert[]>;

export interface FailingFlowDetectionDeps {
	database: Knex;
	config: Pick<AnalyticsConfig, 'flowAlertRate' | 'flowAlertMinRuns' | 'flowAlertWindow' | 'statementTimeoutMs'>;
}

const NO_FILTERS = { collection: [], action: [], user: [], origin: [] };

/**
 * Flows that failed at least the configured share of their runs (with a known outcome, and at least the
 * minimum number of them) in the current or previous clock-aligned window, and were not announced for that
 * window yet. The alerts table's unique key makes each (flow, window) announce once across instances.
 */
export async function detectFailingFlows(
	deps: FailingFlowDetectionDeps,
	sink: FlowAlertSink,
	now = Date.now(),
): Promise<FlowAlert[]> {
	const { flowAlertRate: threshold, flowAlertMinRuns: minRuns, flowAlertWindow: window } = deps.config;
	if (threshold === null) return [];
	const seconds = SUSPICIOUS_WINDOWS[window];
	const current = Math.floor(now / 1000 / seconds) * seconds;
	const candidates: FlowAlert[] = [];
	for (const start of [current - seconds, current]) {
		const span = { from: start, to: start + seconds, range: null, tz: 'UTC', filters: NO_FILTERS };
		const found = await withReadSnapshot(deps.database, deps.config.statementTimeoutMs, async (context) => {
			const answer = await runFlows(context, { ...span, flow: null });
			const failing = answer.flows.filter((row) => {
				const known = row.succeeded + row.failed;
				return known >= minRuns && row.failed / known >= threshold;
			});
			const alerts: FlowAlert[] = [];
			for (const row of failing) {
				const announced = await context
					.db(FLOW_ALERTS_TABLE)
					.where({ flow: row.flow, window, window_start: start })
					.first('id');
				if (announced) continue;
				const latest = await runFlowFailures(context, { ...span, flow: row.flow, before: null, limit: 1 });
				alerts.push({
					flow: row.flow,
					name: row.name,
					window,
					window_start: start,
					runs: row.runs,
					succeeded: row.succeeded,
					failed: row.failed,
					failure_rate: row.failureRate ?? 1,
					threshold,
					last_failure_at: row.lastFailureAt,
					last_error: latest.rows[0]?.error ?? null,
				});
			}
			return alerts;
		});
		candidates.push(...found);
	}
	return candidates.length > 0 ? sink(candidates) : [];
}
