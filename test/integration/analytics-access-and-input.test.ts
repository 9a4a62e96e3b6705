import { describe, expect, it } from 'vitest';
import { api, apiData, apiOk, createNonAdminUser, type DirectusErrorBody } from '../support/api';
import { openHostDatabase } from '../support/database';
import { truthOverview } from '../support/ground-truth';

const READ_ROUTES = [
	'/analytics/overview',
	'/analytics/timeseries',
	'/analytics/breakdown?by=collection',
	'/analytics/suspicious',
	'/analytics/trending',
	'/analytics/timeline',
	'/analytics/export',
	'/analytics/flows',
	'/analytics/flows/failures',
	'/analytics/flows/operations',
	'/analytics/status',
	'/analytics/metrics',
];
const WRITE_ROUTES: [string, string][] = [
	['POST', '/analytics/refresh'],
	['DELETE', '/analytics/cache'],
];

describe('access to /analytics', () => {
	it('refuses the public role on every route, the export included', async () => {
		for (const path of READ_ROUTES) {
			const response = await api<DirectusErrorBody>(path, { token: null });
			expect([401, 403], path).toContain(response.status);
			expect(response.body.errors?.[0]?.extensions.code, path).toBe('FORBIDDEN');
		}
		for (const [method, path] of WRITE_ROUTES) {
			expect([401, 403], path).toContain((await api(path, { method, token: null })).status);
		}
	});

	it('refuses a non-admin user on every route', async () => {
		const editor = await createNonAdminUser('access');
		for (const path of READ_ROUTES) expect((await api(path, { token: editor.token })).status, path).toBe(403);
		for (const [method, path] of WRITE_ROUTES)
			expect((await api(path, { method, token: editor.token })).status, path).toBe(403);
	});

	it('answers an admin on every route', async () => {
		for (const path of READ_ROUTES) expect((await api(path)).status, path).toBe(200);
		for (const [method, path] of WRITE_ROUTES) expect((await api(path, { method })).status, path).toBe(200);
	});
});

// Generated bad requests: each must be a 400 in Directus's error format that names the parameter.
function badRequests(): { path: string; parameter: string }[] {
	const cases: { path: string; parameter: string }[] = [];
	const routes = ['overview', 'timeseries', 'breakdown', 'suspicious', 'trending', 'timeline', 'export'];
	const injections = [
		"orders' OR 1=1 --",
		'orders;drop table directus_users',
		'"><script>',
		'a b',
		'../../etc',
		'x'.repeat(300),
		'%00',
		"1' union select",
	];
	// Names Directus itself would take (any text up to 64 characters) are not bad collection filters; these are.
	const badCollections = ['x'.repeat(65), '%00', 'a\u0007b', 'line\nbreak'];
	const badDates = [
		'yesterday',
		'2026-13-01',
		'2026-02-30',
		'2026-01-01T25:00:00Z',
		'1e12',
		'2026-01-01T00:00:00.500Z',
		'NaN',
		'2025-02-30T00:00:00Z',
		'2026-04-31T10:00:00+02:00',
		'2026-01-01T10:61:00Z',
		'2026-01-01T23:59:60Z',
		'2026-01-01T10:00:00+25:00',
	];
	for (const route of routes) {
		const base = route === 'breakdown' ? 'by=collection&' : '';
		cases.push({ path: `/analytics/${route}?${base}bogus=1`, parameter: 'bogus' });
		cases.push({ path: `/analytics/${route}?${base}range=1y`, parameter: 'range' });
		cases.push({ path: `/analytics/${route}?${base}tz=Mars/Olympus`, parameter: 'tz' });
		cases.push({
			path: `/analytics/${route}?${base}from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z`,
			parameter: 'from',
		});
		cases.push({
			path: `/analytics/${route}?${base}from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
			parameter: 'from',
		});
		cases.push({ path: `/analytics/${route}?${base}from=2026-05-01T00:00:00Z`, parameter: 'to' });
		cases.push({
			path: `/analytics/${route}?${base}range=7d&from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z`,
			parameter: 'range',
		});
		for (const date of badDates) {
			cases.push({
				path: `/analytics/${route}?${base}from=${encodeURIComponent(date)}&to=2026-05-02T00:00:00Z`,
				parameter: 'from',
			});
			cases.push({
				path: `/analytics/${route}?${base}from=2026-05-01T00:00:00Z&to=${encodeURIComponent(date)}`,
				parameter: 'to',
			});
		}
		for (const value of badCollections)
			cases.push({
				path: `/analytics/${route}?${base}collection=${value === '%00' ? value : encodeURIComponent(value)}`,
				parameter: 'collection',
			});
		for (const dim of ['collection', 'action', 'user', 'origin']) {
			if (dim !== 'collection')
				for (const value of injections)
					cases.push({ path: `/analytics/${route}?${base}${dim}=${encodeURIComponent(value)}`, parameter: dim });
			cases.push({ path: `/analytics/${route}?${base}${dim}[nested]=x`, parameter: dim });
		}
	}
	cases.push({ path: '/analytics/timeseries?interval=fortnight', parameter: 'interval' });
	cases.push({ path: '/analytics/timeseries?interval=minute&range=90d', parameter: 'interval' });
	cases.push({ path: '/analytics/breakdown', parameter: 'by' });
	cases.push({ path: '/analytics/breakdown?by=', parameter: 'by' });
	cases.push({ path: '/analytics/breakdown?by=%20', parameter: 'by' });
	cases.push({ path: '/analytics/breakdown?by=password', parameter: 'by' });
	cases.push({ path: '/analytics/breakdown?by=ip&sort=random', parameter: 'sort' });
	for (const limit of ['0', '101', '-1', 'ten', '1.5', '99999999999'])
		cases.push({ path: `/analytics/breakdown?by=ip&limit=${limit}`, parameter: 'limit' });
	cases.push({ path: '/analytics/suspicious?by=collection', parameter: 'by' });
	cases.push({ path: '/analytics/suspicious?window=2h', parameter: 'window' });
	for (const threshold of ['0', '-5', 'lots'])
		cases.push({ path: `/analytics/suspicious?threshold=${threshold}`, parameter: 'threshold' });
	cases.push({ path: '/analytics/timeline?cursor=not-a-cursor', parameter: 'cursor' });
	cases.push({
		path: `/analytics/timeline?cursor=${Buffer.from('id:1 or 1=1').toString('base64url')}`,
		parameter: 'cursor',
	});
	cases.push({ path: '/analytics/timeline?item=1', parameter: 'item' });
	cases.push({
		path: `/analytics/timeline?collection=orders&item=${encodeURIComponent("1' or '1'='1")}`,
		parameter: 'item',
	});
	cases.push({ path: '/analytics/export?format=xlsx', parameter: 'format' });
	return cases;
}

describe('bad input to /analytics', () => {
	it(`answers ${badRequests().length} generated bad requests with 400 naming the parameter, never 5xx`, async () => {
		const cases = badRequests();
		expect(cases.length).toBeGreaterThan(300);
		const failures: string[] = [];
		for (const { path, parameter } of cases) {
			const response = await api<DirectusErrorBody>(path);
			const error = response.body?.errors?.[0];
			const names = error?.message?.includes(`"${parameter}"`) || error?.message?.includes(parameter);
			if (response.status !== 400 || !error?.extensions?.code || !names)
				failures.push(`${path} -> ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`);
		}
		expect(failures).toEqual([]);
	});

	it('accepts lists as repeated parameters or comma-separated values', async () => {
		const a = await apiOk<{ data: unknown }>(
			'/analytics/overview?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&collection=orders&collection=articles',
		);
		const b = await apiOk<{ data: unknown }>(
			'/analytics/overview?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&collection=articles,orders',
		);
		expect(a.data).toEqual(b.data);
	});
});

describe('collection filters', () => {
	it('takes any collection name Directus takes, café_menü included, and counts it exactly', async () => {
		const name = 'café_menü';
		await apiOk('/collections', {
			method: 'POST',
			body: { collection: name, schema: {}, meta: { icon: 'restaurant' } },
		});
		await apiOk(`/items/${encodeURIComponent(name)}`, { method: 'POST', body: [{}, {}, {}] });
		await apiOk('/analytics/refresh', { method: 'POST' });
		const from = Math.floor(Date.now() / 1000) - 3600;
		const to = Math.floor(Date.now() / 1000) + 60;
		const window = `from=${new Date(from * 1000).toISOString().slice(0, 19)}Z&to=${new Date(to * 1000).toISOString().slice(0, 19)}Z`;
		const answer = await apiData<{ current: { events: number } }>(
			`/analytics/overview?${window}&collection=${encodeURIComponent(name)}`,
		);
		const db = openHostDatabase();
		try {
			const truth = await truthOverview(db, from, to, { collection: [name] });
			expect(truth.events).toBeGreaterThanOrEqual(3);
			expect(answer.current.events).toBe(truth.events);
		} finally {
			await db.destroy();
		}
	});

	it('answers SQL-looking collection names as plain names: no rows, never an error', async () => {
		for (const value of ["orders' OR 1=1 --", 'orders;drop table directus_users', '"><script>', "1' union select"]) {
			const answer = await apiData<{ current: { events: number } }>(
				`/analytics/overview?range=30d&collection=${encodeURIComponent(value)}`,
			);
			expect(answer.current.events, value).toBe(0);
		}
	});
});
