import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import type { AnalyticsStatus } from '../../src/shared/status';
import { api, apiOk, createNonAdminUser, type DirectusErrorBody } from '../support/api';
import { openHostDatabase, toEpochMs } from '../support/database';
import { waitForWriterIdle } from '../support/writer';

let db: Knex;

beforeAll(async () => {
	db = openHostDatabase();
	const options = parseGeneratorOptions({
		rows: 10_000,
		days: 14,
		seed: 7,
		end: '2026-11-01T00:00:00Z',
		revisions: true,
	});
	await loadActivity(db, options);
});

afterAll(async () => {
	await db.destroy();
});

describe(`GET /analytics/status on ${inject('host').env['DB_CLIENT']}`, () => {
	it('reports the writer, also as Prometheus metrics, with the figures the ledger holds', async () => {
		await apiOk('/collections', {
			method: 'POST',
			body: {
				collection: 'status_writer',
				schema: {},
				meta: { accountability: 'activity' },
				fields: [{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } }],
			},
		});
		await apiOk('/analytics/writer/enable', { method: 'POST', body: { collections: ['status_writer'] } });
		const before = await waitForWriterIdle();
		await apiOk('/items/status_writer', { method: 'POST', body: [{}, {}, {}] });
		const writer = await waitForWriterIdle();
		expect(writer.eventsWritten - before.eventsWritten).toBe(3);
		expect(writer.drops).toBe(0);
		expect(writer.queue.kind).toBe(inject('host').env['REDIS'] ? 'redis' : 'memory');
		expect(writer.collections).toContainEqual({ collection: 'status_writer', original_accountability: 'activity' });
		const [ledger] = await db('activity_analytics_writer_ledger as l')
			.join('directus_activity as a', 'a.id', 'l.activity')
			.where('a.collection', 'status_writer')
			.count({ n: '*' });
		expect(Number(ledger?.['n'])).toBe(3);
		const metrics = await api<string>('/analytics/metrics');
		expect(metrics.body).toContain(`activity_analytics_writer_events_written_total ${writer.eventsWritten}`);
		expect(metrics.body).toMatch(/^activity_analytics_writer_drops_total 0$/m);
		expect(metrics.body).toMatch(/^activity_analytics_writer_queue_depth 0$/m);
	});

	it('answers an admin with figures equal to SQL over the raw tables', async () => {
		// Rows Directus writes itself sit beside the generated ones (on SQLite, in another storage type).
		await apiOk('/collections', {
			method: 'POST',
			body: {
				collection: 'status_probe',
				schema: {},
				meta: {},
				fields: [{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } }],
			},
		});
		await apiOk('/items/status_probe', { method: 'POST', body: [{}, {}] });
		const response = await api<{ data: AnalyticsStatus }>('/analytics/status');
		expect(response.status).toBe(200);
		const [activity] = await db('directus_activity').count({ n: '*' });
		const [revisions] = await db('directus_revisions').count({ n: '*' });
		// Independent of SQL type quirks: every timestamp, converted in JS.
		const stamps = (await db('directus_activity').pluck('timestamp')).map(toEpochMs);
		expect(response.body.data.activity.rows).toBe(Number(activity?.['n']));
		expect(response.body.data.activity.rows).toBeGreaterThanOrEqual(10_000);
		expect(response.body.data.revisions.rows).toBe(Number(revisions?.['n']));
		expect(Date.parse(response.body.data.activity.oldest ?? '')).toBe(Math.min(...stamps));
		expect(Date.parse(response.body.data.activity.newest ?? '')).toBe(Math.max(...stamps));
		expect(response.body.data.database.client).toBe(
			inject('host').env['DB_CLIENT'] === 'mysql' ? 'mysql2' : inject('host').env['DB_CLIENT'],
		);
		expect(response.body.data.queue.kind).toBe(inject('host').env['REDIS'] ? 'redis' : 'memory');
	});

	it('warns when nearly every recent event carries one internal IP (a proxy Directus does not trust), and stops when they vary again', async () => {
		const warningOf = async () => {
			const { data } = await apiOk<{ data: AnalyticsStatus }>('/analytics/status');
			return { warning: data.warnings.find((w) => w.code === 'IP_TRUST_PROXY'), addresses: data.addresses };
		};
		// The newest events are generated ones from many public addresses.
		await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 1, seed: 8, end: '2026-11-02T00:00:00Z' }));
		expect((await warningOf()).warning).toBeUndefined();
		// Then 1,000 writes through Directus from this machine: with no trusted proxy, each carries the loopback address.
		await apiOk('/collections', {
			method: 'POST',
			body: {
				collection: 'proxy_probe',
				schema: {},
				meta: { accountability: 'all' },
				fields: [{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } }],
			},
		});
		await apiOk('/items/proxy_probe', { method: 'POST', body: Array.from({ length: 1_000 }, () => ({})) });
		const recent = await db('directus_activity').whereNotNull('ip').orderBy('id', 'desc').limit(1_000).pluck('ip');
		const counts = new Map<string, number>();
		for (const ip of recent) counts.set(String(ip), (counts.get(String(ip)) ?? 0) + 1);
		const [topIp, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
		expect(topIp).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
		const { warning, addresses } = await warningOf();
		expect(addresses).toMatchObject({
			sampled: recent.length,
			topIp,
			topShare: topCount / recent.length,
			behindProxy: true,
		});
		expect(warning?.message).toContain(topIp);
		expect(warning?.message).toContain('IP_TRUST_PROXY');
		expect((await api<string>('/analytics/metrics')).body).toMatch(/^activity_analytics_behind_untrusted_proxy 1$/m);
		await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 1, seed: 9, end: '2026-11-03T00:00:00Z' }));
		expect((await warningOf()).warning).toBeUndefined();
	});

	it('refuses the public role with a 401 or 403 in Directus error format', async () => {
		const response = await api<DirectusErrorBody>('/analytics/status', { token: null });
		expect([401, 403]).toContain(response.status);
		expect(response.body.errors[0]?.extensions.code).toBe('FORBIDDEN');
		expect(JSON.stringify(response.body)).not.toMatch(/activity|rows/i);
	});

	it('refuses a logged-in non-admin user', async () => {
		const editor = await createNonAdminUser('status');
		const response = await api<DirectusErrorBody>('/analytics/status', { token: editor.token });
		expect(response.status).toBe(403);
		expect(response.body.errors[0]?.extensions.code).toBe('FORBIDDEN');
	});

	it('refuses a forged token with 401', async () => {
		const response = await api<DirectusErrorBody>('/analytics/status', { token: 'not-a-real-token' });
		expect(response.status).toBe(401);
		expect(response.body.errors[0]?.extensions.code).toBe('INVALID_CREDENTIALS');
	});
});
