import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiData, apiOk, type DirectusErrorBody } from '../support/api';
import { openHostDatabase } from '../support/database';
import { epochSql } from '../support/ground-truth';

// Real flows run by the real Directus: one that succeeds, a request to a closed port, a script that throws,
// and one whose accountability keeps no revision. Every figure is checked against SQL over the raw rows.
let db: Knex;
const flows: Record<'ok' | 'closed' | 'throws' | 'silent', string> = { ok: '', closed: '', throws: '', silent: '' };
const RUNS = { ok: 5, closed: 3, throws: 2, silent: 2 };

async function createFlow(name: string, accountability: string, operation: Record<string, unknown>): Promise<string> {
	const flow = await apiData<{ id: string }>('/flows', {
		method: 'POST',
		// POST: Directus's own cache could answer a repeated GET without running the flow.
		body: { name, status: 'active', trigger: 'webhook', accountability, options: { method: 'POST' } },
	});
	const created = await apiData<{ id: string }>('/operations', {
		method: 'POST',
		body: { flow: flow.id, key: 'step', name: 'Step', position_x: 19, position_y: 1, ...operation },
	});
	await apiData(`/flows/${flow.id}`, { method: 'PATCH', body: { operation: created.id } });
	return flow.id;
}

interface TruthRun {
	id: number;
	flow: string;
	at: number;
	outcome: 'succeeded' | 'failed' | 'unknown';
	steps: { operation: string; status: string }[];
}

/** The raw rows, read and classified here without the bundle's code: any step not resolved fails the run. */
async function truthRuns(from: number, to: number): Promise<TruthRun[]> {
	const epoch = epochSql(db);
	const rows = (await db('directus_activity as a')
		.leftJoin('directus_revisions as r', 'r.activity', 'a.id')
		.where({ 'a.action': 'run', 'a.collection': 'directus_flows' })
		.whereRaw(`${epoch} >= ? and ${epoch} < ?`, [from, to])
		.select('a.id', 'a.item', 'r.data', db.raw(`${epoch} as at`))) as {
		id: number;
		item: string;
		at: number | string;
		data: unknown;
	}[];
	return rows.map((row) => {
		const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as {
			steps?: { operation: string; status: string }[];
		} | null;
		const steps = data?.steps ?? [];
		return {
			id: Number(row.id),
			flow: String(row.item),
			at: Number(row.at),
			outcome: !data?.steps ? 'unknown' : steps.every((s) => s.status === 'resolve') ? 'succeeded' : 'failed',
			steps,
		};
	});
}

const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

async function expectFlowsEqualTruth(from: number, to: number) {
	await apiOk('/analytics/cache', { method: 'DELETE' });
	const { data } = await apiOk<{
		data: {
			flows: {
				flow: string;
				runs: number;
				failed: number;
				succeeded: number;
				unknown: number;
				failureRate: number | null;
				lastFailureAt: number | null;
			}[];
		};
	}>(`/analytics/flows?from=${iso(from)}&to=${iso(to)}`);
	const truth = await truthRuns(from, to);
	for (const flow of Object.values(flows)) {
		const runs = truth.filter((r) => r.flow === flow);
		const count = (outcome: string) => runs.filter((r) => r.outcome === outcome).length;
		const row = data.flows.find((f) => f.flow === flow);
		const failedAt = runs.filter((r) => r.outcome === 'failed').map((r) => r.at);
		expect(row ?? null, flow).toEqual(
			runs.length === 0
				? null
				: expect.objectContaining({
						runs: runs.length,
						succeeded: count('succeeded'),
						failed: count('failed'),
						unknown: count('unknown'),
						lastFailureAt: failedAt.length > 0 ? Math.max(...failedAt) : null,
					}),
		);
	}
	return data;
}

beforeAll(async () => {
	db = openHostDatabase();
	// Directus 12 without a license keeps at most five flows active: each is run, then deactivated, and the
	// flows earlier suites of this host left active (their files are done: files run one at a time) go first.
	for (const { id } of await apiData<{ id: string }[]>('/flows?filter[status][_eq]=active&fields=id'))
		await apiData(`/flows/${id}`, { method: 'PATCH', body: { status: 'inactive' } });
	const make = async (key: keyof typeof flows, accountability: string, operation: Record<string, unknown>) => {
		flows[key] = await createFlow(`Health ${key}`, accountability, operation);
		// A new flow is loaded by Directus's flow manager a moment after it is saved.
		const deadline = Date.now() + 10_000;
		while ((await api(`/flows/trigger/${flows[key]}`, { method: 'POST' })).status >= 300) {
			if (Date.now() > deadline) throw new Error(`flow ${key} never became callable`);
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		for (let i = 1; i < RUNS[key]; i++)
			expect((await api(`/flows/trigger/${flows[key]}`, { method: 'POST' })).status).toBeLessThan(300);
		await apiData(`/flows/${flows[key]}`, { method: 'PATCH', body: { status: 'inactive' } });
	};
	await make('ok', 'all', { type: 'log', options: { message: 'fine' } });
	await make('closed', 'all', { type: 'request', options: { method: 'GET', url: 'http://127.0.0.1:9/' } });
	await make('throws', 'all', {
		type: 'exec',
		options: { code: "module.exports = async function () { throw new Error('flow health boom'); };" },
	});
	await make('silent', 'activity', { type: 'log', options: { message: 'quiet' } });
	// Half of the runs an hour and a half back, so windows read whole rollup buckets and raw edges both.
	const runs = (await db('directus_activity')
		.where({ action: 'run', collection: 'directus_flows' })
		.whereIn('item', Object.values(flows))
		.orderBy('id')
		.select('id', db.raw(`${epochSql(db)} as at`))) as { id: number; at: number | string }[];
	expect(runs.length).toBe(Object.values(RUNS).reduce((a, b) => a + b, 0));
	for (const run of runs.filter((_, i) => i % 2 === 0))
		await db('directus_activity')
			.where({ id: run.id })
			.update({ timestamp: new Date((Number(run.at) - 5_400) * 1000) });
}, 120_000);

afterAll(async () => {
	await db?.destroy();
});

describe('flow health', () => {
	const now = () => Math.floor(Date.now() / 1000);

	it('counts runs, failures and last failures per flow exactly, before and after a refresh absorbs them', async () => {
		// Not on any bucket's edge: the window starts and ends in the middle of quarter hours.
		const from = now() - 3 * 3600 - 7;
		const to = now() + 67;
		const raw = await expectFlowsEqualTruth(from, to);
		expect(raw.flows.find((f) => f.flow === flows.closed)?.failureRate).toBe(1);
		expect(raw.flows.find((f) => f.flow === flows.ok)?.failureRate).toBe(0);
		expect(raw.flows.find((f) => f.flow === flows.silent)).toMatchObject({ unknown: RUNS.silent, failureRate: null });
		await apiOk('/analytics/refresh', { method: 'POST' });
		expect(Number((await db('activity_analytics_flow_runs').count({ n: '*' }))[0]?.['n'])).toBeGreaterThan(0);
		await expectFlowsEqualTruth(from, to);
		// A window that only the rollups' whole buckets answer, and one in a time zone of its own.
		const hour = Math.floor(now() / 3600) * 3600;
		await expectFlowsEqualTruth(hour - 4 * 3600, hour + 3600);
		await apiOk('/analytics/cache', { method: 'DELETE' });
		const { data } = await apiOk<{ data: { flows: { flow: string; runs: number }[]; durationsRecorded: boolean } }>(
			// A minute past now: MariaDB rounds a run's timestamp to the second, up as often as down.
			`/analytics/flows?from=${iso(now() - 86_400)}&to=${iso(now() + 60)}&tz=Asia/Kathmandu`,
		);
		expect(data.durationsRecorded).toBe(false);
		expect(data.flows.find((f) => f.flow === flows.ok)?.runs).toBe(RUNS.ok);
	});

	it('lists failed runs newest first, a page at a time, with the failing operation type and its error', async () => {
		const from = now() - 6 * 3600;
		const to = now() + 60;
		const truth = (await truthRuns(from, to)).filter((r) => r.outcome === 'failed');
		const seen: { id: number; flow: string; operationType: string | null; error: string | null; at: number }[] = [];
		let cursor: string | null = null;
		do {
			const page: { data: { rows: typeof seen; nextCursor: string | null } } = await apiOk(
				`/analytics/flows/failures?from=${iso(from)}&to=${iso(to)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
			);
			expect(page.data.rows.length).toBeLessThanOrEqual(2);
			seen.push(...page.data.rows);
			cursor = page.data.nextCursor;
		} while (cursor);
		expect(seen.map((r) => r.id).sort((a, b) => a - b)).toEqual(truth.map((r) => r.id).sort((a, b) => a - b));
		const ats = seen.map((r) => r.at);
		expect(ats).toEqual([...ats].sort((a, b) => b - a));
		for (const row of seen.filter((r) => r.flow === flows.closed)) {
			expect(row.operationType).toBe('request');
			// Directus refuses loopback and local addresses (IMPORT_IP_DENY_LIST) before connecting; elsewhere a
			// closed port answers ECONNREFUSED. Either is the request's own error, kept from the revision.
			expect(row.error).toMatch(/denied IP address|ECONNREFUSED/);
		}
		for (const row of seen.filter((r) => r.flow === flows.throws)) {
			expect(row.operationType).toBe('exec');
			expect(row.error).toContain('flow health boom');
		}
	});

	it('gives step outcomes per operation type, equal to the raw revisions', async () => {
		const from = now() - 6 * 3600;
		const to = now() + 60;
		const truth = await truthRuns(from, to);
		const types = new Map(
			((await db('directus_operations').select('id', 'type')) as { id: string; type: string }[]).map((o) => [
				o.id,
				o.type,
			]),
		);
		// Keyed by type; null for an operation deleted since (another suite deletes its flow, and Directus its operations).
		const expected = new Map<string | null, { resolve: number; reject: number; unknown: number }>();
		for (const run of truth)
			for (const step of run.steps) {
				const type = types.get(step.operation) ?? null;
				const row = expected.get(type) ?? { resolve: 0, reject: 0, unknown: 0 };
				if (step.status === 'resolve' || step.status === 'reject') row[step.status]++;
				else row.unknown++;
				expected.set(type, row);
			}
		await apiOk('/analytics/cache', { method: 'DELETE' });
		const { data } = await apiOk<{
			data: { rows: { operationType: string | null; resolve: number; reject: number }[] };
		}>(`/analytics/flows/operations?from=${iso(from)}&to=${iso(to)}`);
		for (const [type, counts] of expected)
			expect(
				data.rows.find((r) => r.operationType === type),
				String(type),
			).toMatchObject(counts);
		expect(data.rows).toHaveLength(expected.size);
		expect(expected.get('request')?.reject).toBe(RUNS.closed);
		expect(expected.get('exec')?.reject).toBe(RUNS.throws);
	});

	it('refuses bad input with a 400 naming the parameter, and anyone not allowed', async () => {
		for (const [path, parameter] of [
			['/analytics/flows?flow=bob', 'flow'],
			['/analytics/flows?collection=articles', 'collection'],
			['/analytics/flows/failures?cursor=nope!', 'cursor'],
			['/analytics/flows/failures?limit=0', 'limit'],
			['/analytics/flows/operations?tz=Mars/Base', 'tz'],
		] as const) {
			const response = await api<DirectusErrorBody>(path);
			expect(response.status, path).toBe(400);
			expect(JSON.stringify(response.body.errors?.[0]), path).toContain(parameter);
		}
		for (const path of ['/analytics/flows', '/analytics/flows/failures', '/analytics/flows/operations'])
			expect([401, 403], path).toContain((await api(path, { token: null })).status);
	});
});
