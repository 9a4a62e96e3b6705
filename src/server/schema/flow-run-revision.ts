// What one Flow run left behind. Directus writes an activity row (action `run`, collection `directus_flows`,
// item = the flow id) for every run of a flow whose accountability is not null, and, when it is `all`, a
// revision whose data holds `steps` (operation id, key, status, options) and `data` (every step's result,
// keyed by the operation key; a rejected step's result is its error). Directus records no durations.

export const FLOW_RUN_ACTION = 'run';
export const FLOWS_COLLECTION = 'directus_flows';

/** `unknown` when the run has no revision (flow accountability `activity`): its steps were not recorded. */
export type FlowRunOutcome = 'succeeded' | 'failed' | 'unknown';
export type FlowStepStatus = 'resolve' | 'reject' | 'unknown';

export interface FlowRunStep {
	operation: string | null;
	key: string;
	status: FlowStepStatus;
}

export interface DecodedFlowRun {
	outcome: FlowRunOutcome;
	steps: FlowRunStep[];
	/** The first step that did not resolve, and what it returned (its error), as text. */
	failedStep: FlowRunStep | null;
	error: string | null;
}

/** Errors are kept short: a request operation's error can carry a whole response body. */
export const FLOW_ERROR_MAX_LENGTH = 500;

const NO_REVISION: DecodedFlowRun = { outcome: 'unknown', steps: [], failedStep: null, error: null };

function asRecord(value: unknown): Record<string, unknown> | null {
	return typeof value === 'object' && value !== null && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: null;
}

function parseData(data: unknown): Record<string, unknown> | null {
	if (typeof data !== 'string') return asRecord(data);
	try {
		return asRecord(JSON.parse(data));
	} catch {
		return null;
	}
}

function stepOf(value: unknown): FlowRunStep | null {
	const step = asRecord(value);
	if (!step || typeof step['key'] !== 'string') return null;
	const status = step['status'];
	return {
		operation: typeof step['operation'] === 'string' ? step['operation'] : null,
		key: step['key'],
		status: status === 'resolve' || status === 'reject' ? status : 'unknown',
	};
}

function errorText(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const record = asRecord(value);
	const text =
		typeof value === 'string'
			? value
			: typeof record?.['message'] === 'string'
				? record['message']
				: JSON.stringify(value);
	return text.length > FLOW_ERROR_MAX_LENGTH ? `${text.slice(0, FLOW_ERROR_MAX_LENGTH - 1)}…` : text;
}

/**
 * A run succeeded when every step resolved and failed when any did not: rejected, or `unknown` (Directus
 * could not find the operation's type and stopped there). A run whose flow handles a rejection on its
 * reject path still counts as failed, as the issue asks: the failing step is what users look for.
 */
export function decodeFlowRun(revisionData: unknown): DecodedFlowRun {
	if (revisionData === undefined || revisionData === null) return NO_REVISION;
	const data = parseData(revisionData);
	if (!data || !Array.isArray(data['steps'])) return NO_REVISION;
	const steps = data['steps'].map(stepOf).filter((step): step is FlowRunStep => step !== null);
	const failedStep = steps.find((step) => step.status !== 'resolve') ?? null;
	if (!failedStep) return { outcome: 'succeeded', steps, failedStep: null, error: null };
	const results = asRecord(data['data']);
	const error =
		errorText(results?.[failedStep.key]) ??
		(failedStep.status === 'unknown' ? 'the operation type is not installed' : null);
	return { outcome: 'failed', steps, failedStep, error };
}
