import { describe, expect, it } from 'vitest';
import { FLOW_ERROR_MAX_LENGTH, decodeFlowRun } from '../../src/server/schema/flow-run-revision';

// Revision data in the shape Directus's flow manager writes for a flow with accountability `all`.
const run = (steps: { key: string; status: string; operation?: string }[], data: Record<string, unknown> = {}) => ({
	steps: steps.map((step, i) => ({ operation: step.operation ?? `op-${i}`, options: {}, ...step })),
	data: { $trigger: {}, $last: null, $accountability: null, ...data },
});

describe('decodeFlowRun', () => {
	it('a run without a revision (accountability "activity") has an unknown outcome', () => {
		expect(decodeFlowRun(null)).toEqual({ outcome: 'unknown', steps: [], failedStep: null, error: null });
		expect(decodeFlowRun('not json').outcome).toBe('unknown');
		expect(decodeFlowRun({ delta: 1 }).outcome).toBe('unknown');
	});

	it('succeeded when every step resolved, also with no steps at all', () => {
		const decoded = decodeFlowRun(
			run([
				{ key: 'a', status: 'resolve' },
				{ key: 'b', status: 'resolve' },
			]),
		);
		expect(decoded).toMatchObject({ outcome: 'succeeded', failedStep: null, error: null });
		expect(decoded.steps.map((s) => s.key)).toEqual(['a', 'b']);
		expect(decodeFlowRun(run([])).outcome).toBe('succeeded');
	});

	it('failed at the first rejected step, with its error message, also when the reject path then resolves', () => {
		const decoded = decodeFlowRun(
			JSON.stringify(
				run(
					[
						{ key: 'fetch', status: 'reject', operation: 'op-fetch' },
						{ key: 'notify', status: 'resolve' },
					],
					{ fetch: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9' }, notify: null },
				),
			),
		);
		expect(decoded.outcome).toBe('failed');
		expect(decoded.failedStep).toEqual({ key: 'fetch', status: 'reject', operation: 'op-fetch' });
		expect(decoded.error).toBe('connect ECONNREFUSED 127.0.0.1:9');
	});

	it('keeps a string or an object error as text, cut to a bounded length', () => {
		expect(decodeFlowRun(run([{ key: 's', status: 'reject' }], { s: 'thrown text' })).error).toBe('thrown text');
		expect(decodeFlowRun(run([{ key: 's', status: 'reject' }], { s: { status: 500, body: 'x' } })).error).toBe(
			'{"status":500,"body":"x"}',
		);
		const long = decodeFlowRun(run([{ key: 's', status: 'reject' }], { s: 'e'.repeat(5000) })).error ?? '';
		expect(long).toHaveLength(FLOW_ERROR_MAX_LENGTH);
		expect(long.endsWith('…')).toBe(true);
	});

	it('a step whose operation type is missing fails the run, named as such', () => {
		const decoded = decodeFlowRun(run([{ key: 'gone', status: 'unknown' }], { gone: null }));
		expect(decoded).toMatchObject({ outcome: 'failed', error: 'the operation type is not installed' });
		expect(decoded.failedStep?.status).toBe('unknown');
	});
});
