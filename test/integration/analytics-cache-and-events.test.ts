import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { versionAtLeast } from '../../src/server/capture/directus-version';
import { AnalyticsTimeoutError, withReadSnapshot } from '../../src/server/query/read-snapshot';
import { api, apiOk } from '../support/api';
import { openHostDatabase } from '../support/database';
import { createAlertInbox } from '../support/flows';
import { truthOverview } from '../support/ground-truth';
import { ANALYST_ROLE_ID } from '../support/host-info';

let db: Knex;
const client = inject('host').env['DB_CLIENT'];

beforeAll(async () => {
	db = openHostDatabase();
	await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 30, seed: 21, end: '2026-11-01T00:00:00Z' }));
	await apiOk('/analytics/refresh', { method: 'POST' });
});

afterAll(async () => {
	await db.destroy();
});

const loads = async () => (await apiOk<{ data: { cache: { loads: number } } }>('/analytics/status')).data.cache.loads;

describe(`analytics cache on ${client}`, () => {
	it('misses, then hits, with X-Cache and Server-Timing headers', async () => {
		const path = '/analytics/overview?from=2026-10-02T00:00:00Z&to=2026-10-09T00:00:00Z';
		const first = await api(path);
		const second = await api(path);
		expect(first.headers.get('x-cache')).toBe('MISS');
		expect(second.headers.get('x-cache')).toBe('HIT');
		expect(first.headers.get('server-timing')).toMatch(/db;dur=[\d.]+, cache;desc="MISS";dur=[\d.]+, total;dur=[\d.]+/);
		expect(second.body).toEqual(first.body);
	});

	it('answers 100 concurrent identical requests with one database load', async () => {
		const path = '/analytics/breakdown?by=ip&from=2026-10-03T00:00:00Z&to=2026-10-21T00:00:00Z&limit=10';
		const before = await loads();
		const answers = await Promise.all(Array.from({ length: 100 }, () => api(path)));
		expect(answers.every((a) => a.status === 200)).toBe(true);
		expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
		expect((await loads()) - before).toBe(1);
	});

	it('answers exactly right after a refresh absorbs new rows: the cached answer is not served stale', async () => {
		const path = '/analytics/overview?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&collection=stale_probe';
		const row = { action: 'create', collection: 'stale_probe', item: '1', timestamp: new Date('2026-10-15T10:00:00Z') };
		await db('directus_activity').insert(row);
		const read = () => api<{ data: { current: { events: number } } }>(path);
		expect((await read()).body.data.current.events).toBe(1);
		expect((await read()).headers.get('x-cache')).toBe('HIT');
		await db('directus_activity').insert({ ...row, item: '2' });
		await apiOk('/analytics/refresh', { method: 'POST' });
		const next = await read();
		expect(next.headers.get('x-cache')).toBe('MISS');
		expect(next.body.data.current.events).toBe(2);
		expect(
			(
				await truthOverview(db, Date.parse('2026-10-01T00:00:00Z') / 1000, Date.parse('2026-11-01T00:00:00Z') / 1000, {
					collection: ['stale_probe'],
				})
			).events,
		).toBe(2);
		expect((await read()).headers.get('x-cache')).toBe('HIT');
	});

	it('DELETE /cache empties it', async () => {
		const path = '/analytics/trending?from=2026-10-05T00:00:00Z&to=2026-10-12T00:00:00Z';
		await api(path);
		expect((await api(path)).headers.get('x-cache')).toBe('HIT');
		await apiOk('/analytics/cache', { method: 'DELETE' });
		expect((await api(path)).headers.get('x-cache')).toBe('MISS');
	});

	it('keeps each access scope apart: an allowed role never gets the admin answer from cache', async () => {
		const path = '/analytics/overview?from=2026-10-06T00:00:00Z&to=2026-10-13T00:00:00Z';
		await api(path);
		expect((await api(path)).headers.get('x-cache')).toBe('HIT');
		const policy = await apiOk<{ data: { id: string } }>('/policies', {
			method: 'POST',
			body: { name: `Analysts ${Date.now()}`, icon: 'insights', admin_access: false, app_access: false },
		});
		const existing = await api(`/roles/${ANALYST_ROLE_ID}`);
		if (existing.status !== 200)
			await apiOk('/roles', {
				method: 'POST',
				body: { id: ANALYST_ROLE_ID, name: 'Analysts', icon: 'insights', policies: [{ policy: policy.data.id }] },
			});
		const email = `analyst-${Date.now()}@example.com`;
		await apiOk('/users', { method: 'POST', body: { email, password: 'analyst-password-1', role: ANALYST_ROLE_ID } });
		const login = await apiOk<{ data: { access_token: string } }>('/auth/login', {
			method: 'POST',
			token: null,
			body: { email, password: 'analyst-password-1' },
		});
		const analyst = await api(path, { token: login.data.access_token });
		expect(analyst.status).toBe(200);
		expect(analyst.headers.get('x-cache')).toBe('MISS');
		expect((await api(path, { token: login.data.access_token })).headers.get('x-cache')).toBe('HIT');
		expect((await api('/analytics/status', { token: login.data.access_token })).status).toBe(200);
		// Reading is shared with the role; maintenance stays with admins.
		expect((await api('/analytics/refresh', { method: 'POST', token: login.data.access_token })).status).toBe(403);
		expect((await api('/analytics/cache', { method: 'DELETE', token: login.data.access_token })).status).toBe(403);
	});

	it('compresses large answers when the client accepts gzip', async () => {
		const response = await fetch(
			`${inject('host').url}/analytics/timeseries?from=2026-10-01T00:00:00Z&to=2026-10-08T00:00:00Z&interval=hour`,
			{
				headers: { authorization: `Bearer ${inject('host').token}`, 'accept-encoding': 'gzip' },
			},
		);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-encoding')).toBe('gzip');
		expect(((await response.json()) as { data: { points: unknown[] } }).data.points).toHaveLength(168);
	});
});

describe(`analytics events and limits on ${client}`, () => {
	it('records newly suspicious actors after a refresh, and a Flow with an event trigger receives each once', async () => {
		// The documented recipe: an event trigger on items.create of activity_analytics_alerts.
		const flow = await createAlertInbox('alert_inbox', 'activity_analytics_alerts', {
			actor: 'string',
			peak: 'integer',
		});
		// All 60 inside one clock hour (the suspicious windows are clock-aligned; a burst across a boundary would
		// peak lower): this hour's first minute, or the previous hour's when this one has barely begun.
		const now = Date.now();
		const hourStart = Math.floor(now / 3_600_000) * 3_600_000;
		const base = now - hourStart >= 180_000 ? hourStart : hourStart - 3_600_000;
		const burst = Array.from({ length: 60 }, (_, i) => ({
			action: 'login',
			collection: 'directus_users',
			item: 'x',
			ip: '203.0.113.77',
			timestamp: new Date(base + i * 1000),
		}));
		for (let i = 0; i < burst.length; i += 20) await db('directus_activity').insert(burst.slice(i, i + 20));
		const refreshed = await apiOk<{ data: { alerts: number } }>('/analytics/refresh', { method: 'POST' });
		expect(refreshed.data.alerts).toBeGreaterThanOrEqual(1);
		let received: { actor: string; peak: number }[] = [];
		for (let i = 0; i < 50 && received.length === 0; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			received = (
				await apiOk<{ data: { actor: string; peak: number }[] }>('/items/alert_inbox?filter[actor][_eq]=203.0.113.77')
			).data;
		}
		expect(received).toHaveLength(1);
		expect(Number(received[0]!.peak)).toBe(60);
		const stored = await apiOk<{ data: { actor: string; by: string; peak: number }[] }>(
			'/items/activity_analytics_alerts?filter[actor][_eq]=203.0.113.77',
		);
		expect(stored.data.map((a) => [a.by, Number(a.peak)])).toEqual([['ip', 60]]);
		// Announced once: a second refresh does not repeat it.
		await db('directus_activity').insert({
			action: 'login',
			collection: 'directus_users',
			item: 'y',
			ip: '198.51.100.1',
			timestamp: new Date(),
		});
		const again = await apiOk<{ data: { alerts: number } }>('/analytics/refresh', { method: 'POST' });
		expect(again.data.alerts).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect((await apiOk<{ data: unknown[] }>('/items/alert_inbox?filter[actor][_eq]=203.0.113.77')).data).toHaveLength(
			1,
		);
		// Later suites refresh too: a Flow left active would write activity of its own whenever one of their
		// refreshes raised an alert, rows no refresh expected (this made rollup-refresh fail in CI).
		await apiOk(`/flows/${flow}`, { method: 'DELETE' });
		// Directus 12 without a license caps the number of collections: later suites need room for theirs.
		await apiOk('/collections/alert_inbox', { method: 'DELETE' });
	});

	it('cancels a query that runs past the statement timeout with a clear error', async () => {
		const slow =
			client === 'pg'
				? 'select pg_sleep(3)'
				: client === 'sqlite3'
					? 'with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000000) select count(*) from n'
					: 'select count(*) from information_schema.columns a, information_schema.columns b, information_schema.columns c';
		// Each statement would finish without the timeout (pg_sleep after 3 s, the others much later), so the
		// timeout error itself shows it was cancelled; no wall-clock bound (these machines are noisy).
		await expect(withReadSnapshot(db, 300, (context) => context.db.raw(slow))).rejects.toBeInstanceOf(
			AnalyticsTimeoutError,
		);
	});
});

describe(`failed logins on ${client}`, () => {
	it('reports a burst of failed logins from one IP, with the identifiers tried', async () => {
		const email = `intruder-${Date.now()}@example.com`;
		// Directus before 11.16 emits no auth.login action for an identifier no user has (11.14.1's API throws
		// first; 11.16.1's emits it), so there the attempts go against a real user's account.
		if (!versionAtLeast(inject('host').version, '11.16.0'))
			await apiOk('/users', { method: 'POST', body: { email, password: 'the-right-password-1' } });
		const attempts = 7;
		for (let i = 0; i < attempts; i++) {
			const response = await api('/auth/login', {
				method: 'POST',
				token: null,
				body: { email, password: `wrong-${i}` },
			});
			expect(response.status).toBe(401);
		}
		// Bursts are counted in clock-aligned windows: attempts that straddle a window's end are two bursts, which
		// a threshold of 1 reports both of. Together they hold every attempt, wherever the clock stands.
		let mine: { ip: string | null; attempts: number; identifiers: string[] }[] = [];
		const total = () => mine.reduce((sum, burst) => sum + burst.attempts, 0);
		// The hook records each failure off the request path: wait until all have landed.
		for (let i = 0; i < 50 && total() < attempts; i++) {
			await apiOk('/analytics/cache', { method: 'DELETE' });
			const { data } = await apiOk<{
				data: { failedLogins: { bursts: { ip: string | null; attempts: number; identifiers: string[] }[] } };
			}>('/analytics/suspicious?range=24h&failed_threshold=1&limit=100');
			mine = data.failedLogins.bursts.filter((b) => b.identifiers.includes(email));
			if (total() < attempts) await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(mine.length).toBeGreaterThanOrEqual(1);
		expect(mine.length).toBeLessThanOrEqual(2);
		expect(total()).toBe(attempts);
		const [{ n } = { n: 0 }] = await db('activity_analytics_failed_logins')
			.where({ identifier: email })
			.count({ n: '*' });
		expect(Number(n)).toBe(attempts);
		expect(JSON.stringify(await db('activity_analytics_failed_logins').where({ identifier: email }))).not.toContain(
			'wrong-',
		);
	});
});
