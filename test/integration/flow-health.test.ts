import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiData, apiOk, type DirectusErrorBody } from '../support/api';
import { openHostDatabase } from '../support/database';
import { createAlertInbox, createWebhookFlow, runWebhookFlow } from '../support/flows';
import { epochSql } from '../support/ground-truth';

// Real flows run by the real Directus: one that succeeds, a request to a closed port, a script that throws,
// and one whose accountability keeps no revision. Every figure is checked against SQL over the raw rows.
let db: Knex;
const flows: Record<'ok' | 'closed' | 'throws' | 'silent', string> = { ok: '', closed: '', throws: '', silent: '' };
const RUNS = { ok: 5, closed: 3, throws: 2, silent: 2 };

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

let inboxFlow = '';
/** Alerts earlier suites of this host raised, before the inbox Flow listened. */
let alertsBefore = 0;
/** When the first refresh was asked for, and what it answered. */
let firstRefresh: { at: number; flowAlerts: number } = { at: 0, flowAlerts: 0 };

beforeAll(async () => {
	db = openHostDatabase();
	// Directus 12 without a license keeps at most five flows active: each is run, then deactivated, and the
	// flows earlier suites of this host left active (their files are done: files run one at a time) go first.
	for (const { id } of await apiData<{ id: string }[]>('/flows?filter[status][_eq]=active&fields=id'))
		await apiData(`/flows/${id}`, { method: 'PATCH', body: { status: 'inactive' } });
	alertsBefore = Number((await db('activity_analytics_flow_alerts').max({ id: 'id' }).first())?.id ?? 0);
	inboxFlow = await createAlertInbox('flow_alert_inbox', 'activity_analytics_flow_alerts', {
		flow: 'string',
		failed: 'integer',
	});
	const make = async (key: keyof typeof flows, accountability: string, operation: Record<string, unknown>) => {
		flows[key] = await createWebhookFlow(`Health ${key}`, accountability, operation);
		await runWebhookFlow(flows[key], RUNS[key]);
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
	// Directus 12 without a license caps the number of collections: later suites need room for theirs.
	await api('/collections/flow_alert_inbox', { method: 'DELETE' });
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
		const at = Date.now();
		const refreshed = await apiOk<{ data: { flowAlerts: number } }>('/analytics/refresh', { method: 'POST' });
		firstRefresh = { at, flowAlerts: refreshed.data.flowAlerts };
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

	it('announces each flow failing past the threshold once per window, and a Flow with an event trigger receives it', async () => {
		// The test hosts set ACTIVITY_ANALYTICS_FLOW_ALERT_MIN_RUNS=2 and keep the default rate (0.5) and window (1h).
		const hour = Math.floor(firstRefresh.at / 3_600_000) * 3600;
		const expected: { flow: string; window_start: number; runs: number; succeeded: number; failed: number }[] = [];
		for (const start of [hour - 3600, hour]) {
			const truth = await truthRuns(start, start + 3600);
			for (const flow of Object.values(flows)) {
				const runs = truth.filter((r) => r.flow === flow);
				const failed = runs.filter((r) => r.outcome === 'failed').length;
				const succeeded = runs.filter((r) => r.outcome === 'succeeded').length;
				if (failed + succeeded >= 2 && failed / (failed + succeeded) >= 0.5)
					expected.push({ flow, window_start: start, runs: runs.length, succeeded, failed });
			}
		}
		// The flow whose every request is refused has two runs in one of the two hours (three, every other one
		// moved 1.5 hours back), so at least one alert is due; the one that always succeeds never is.
		expect(expected.some((a) => a.flow === flows.closed)).toBe(true);
		const stored = (
			await apiData<
				{
					flow: string;
					window: string;
					window_start: number | string;
					runs: number;
					succeeded: number;
					failed: number;
					failure_rate: number;
					last_error: string | null;
				}[]
			>(`/items/activity_analytics_flow_alerts?filter[flow][_in]=${Object.values(flows).join(',')}&limit=-1`)
		).map((a) => ({
			...a,
			window_start: Number(a.window_start),
			runs: Number(a.runs),
			succeeded: Number(a.succeeded),
			failed: Number(a.failed),
		}));
		const key = (a: { flow: string; window_start: number }) => `${a.flow}@${a.window_start}`;
		expect(stored.map(key).sort()).toEqual(expected.map(key).sort());
		for (const alert of stored) {
			const truth = expected.find((e) => key(e) === key(alert))!;
			expect(alert).toMatchObject({ window: '1h', runs: truth.runs, succeeded: truth.succeeded, failed: truth.failed });
			expect(Number(alert.failure_rate)).toBeCloseTo(truth.failed / (truth.failed + truth.succeeded), 4);
			if (alert.flow === flows.closed) expect(alert.last_error).toMatch(/denied IP address|ECONNREFUSED/);
			if (alert.flow === flows.throws) expect(alert.last_error).toContain('flow health boom');
		}
		expect(firstRefresh.flowAlerts).toBeGreaterThanOrEqual(expected.length);
		// The inbox Flow ran once per alert since it listens (those of flows other suites left failing included).
		const all = await apiData<{ flow: string }[]>(
			`/items/activity_analytics_flow_alerts?fields=flow&limit=-1&filter[id][_gt]=${alertsBefore}`,
		);
		let inbox: { flow: string; failed: number }[] = [];
		for (let i = 0; i < 100 && inbox.length < all.length; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			inbox = await apiData('/items/flow_alert_inbox?limit=-1');
		}
		expect(inbox.map((a) => a.flow).sort()).toEqual(all.map((a) => a.flow).sort());
		// Announced once: a refresh that absorbs the inbox Flow's own runs announces nothing again.
		const again = await apiOk<{ data: { rows: number; flowAlerts: number } }>('/analytics/refresh', { method: 'POST' });
		expect(again.data.rows).toBeGreaterThan(0);
		expect(again.data.flowAlerts).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await apiData<unknown[]>('/items/flow_alert_inbox?limit=-1')).toHaveLength(inbox.length);
		await apiOk(`/flows/${inboxFlow}`, { method: 'PATCH', body: { status: 'inactive' } });
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
