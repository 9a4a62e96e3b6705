// Flow health rollups (migration 019), maintained with the activity rollups: the same batches, watermark and
// gaps, so a run is counted once. Keyed by the flow's and operation's ids; their names, trigger types and
// operation types are read from directus_flows and directus_operations when answering.

/** Runs per day, hour and quarter hour (grain d, h, q), flow and outcome (succeeded, failed, unknown: no revision). */
export const FLOW_RUNS_TABLE = 'activity_analytics_flow_runs';
/** Step outcomes per day, hour and quarter hour, flow, operation and status. */
export const FLOW_STEPS_TABLE = 'activity_analytics_flow_steps';
/** One row per failed run: its failing step and the error its revision holds. */
export const FLOW_FAILURES_TABLE = 'activity_analytics_flow_failures';
/** Runs absorbed before their revision was there (Directus writes it right after the activity row). */
export const FLOW_PENDING_TABLE = 'activity_analytics_flow_pending';

/** Flows whose failure rate crossed the threshold, as Directus items (migration 020). */
export const FLOW_ALERTS_TABLE = 'activity_analytics_flow_alerts';

/** How long a run without a revision waits for it before it counts as `unknown` (accountability `activity`). */
export const FLOW_REVISION_SETTLE_MS = 120_000;

export const FLOW_RUN_DIMS = ['flow', 'outcome'] as const;
export const FLOW_STEP_DIMS = ['flow', 'operation', 'status'] as const;
