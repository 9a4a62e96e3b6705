import type { Knex } from 'knex';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeProjectSetup, createItemCollection } from '../../scripts/demo-data/demo-schema.mjs';
import { DEMO_ADMIN, dropDatabase, openDatabase, startHost, stopHost } from '../../scripts/host.mjs';
import type { AnalyticsStatus } from '../../src/shared/status';
import { FaultRedis } from '../support/fault-services';
import { postgresHostEnv } from '../support/pg-env';
import { startWriteLoad } from '../support/write-load';

// Three Directus instances on one PostgreSQL and one Redis, as behind a load balancer.
const runId = `${process.pid}_${Date.now().toString(36)}`;
const redis = new FaultRedis(16391);
const COLLECTION = 'mi_items';
const NAMESPACE = `aa_multi_${runId}`;
const INSTANCES = [
	{ name: 'multi-1', port: 18162 },
	{ name: 'multi-2', port: 18163 },
	{ name: 'multi-3', port: 18164 },
];
const env = postgresHostEnv(`aa_multi_${runId}`, {
	REDIS: redis.url,
	// What a multi-instance Directus needs anyway: schedules, messages and caches shared through Redis.
	SYNCHRONIZATION_STORE: 'redis',
	MESSENGER_STORE: 'redis',
	CACHE_NAMESPACE: NAMESPACE,
	PRESSURE_LIMITER_ENABLED: 'false',
	// A refresh tick every 2 s, so "once per tick" is countable in a test.
	ACTIVITY_ANALYTICS_REFRESH_CRON: '*/2 * * * * *',
	ACTIVITY_ANALYTICS_CLAIM_IDLE_MS: '2000',
	ACTIVITY_ANALYTICS_FLUSH_INTERVAL_MS: '200',
	LOG_LEVEL: 'warn',
});
const urls: string[] = [];
const pids: number[] = [];
let db: Knex;

async function call<T>(
	url: string,
	path: string,
	method = 'GET',
	body?: unknown,
): Promise<{ status: number; headers: Headers; data: T; text: string }> {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: {
			authorization: `Bearer ${DEMO_ADMIN.token}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return {
		status: response.status,
		headers: response.headers,
		data: (text ? (JSON.parse(text) as { data: T }).data : null) as T,
		text,
	};
}

async function status(url: string): Promise<AnalyticsStatus> {
	const answer = await call<AnalyticsStatus>(url, '/analytics/status');
	expect(answer.status).toBe(200);
	return answer.data;
}

/** Until no instance holds anything: stream drained, nothing pending in the group, nothing in memory. */
async function waitForAllIdle(live: string[], timeoutMs = 60_000): Promise<AnalyticsStatus[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const all = await Promise.all(live.map((url) => status(url).catch(() => null)));
		if (
			all.every(
				(s) => s && s.writer.inFlight === 0 && s.writer.queue.depth === 0 && (s.writer.queue.pending ?? 0) === 0,
			)
		)
			return all as AnalyticsStatus[];
		if (Date.now() > deadline)
			throw new Error(`writers still busy: ${JSON.stringify(all.map((s) => s?.writer.queue))}`);
		await sleep(250);
	}
}

async function expectOneActivityPerAcknowledgedWrite(acked: number[]): Promise<void> {
	const rows = (await db('directus_activity')
		.where({ collection: COLLECTION, action: 'create' })
		.select('item')
		.count({ n: '*' })
		.groupBy('item')) as { item: string; n: number | string }[];
	const perItem = new Map(rows.map((r) => [String(r.item), Number(r.n)]));
	expect(acked.length).toBeGreaterThan(100);
	expect(
		acked.filter((id) => !perItem.has(String(id))),
		'acknowledged writes without an activity row',
	).toEqual([]);
	expect(
		[...perItem].filter(([, n]) => n > 1),
		'items with more than one create row',
	).toEqual([]);
	const items = new Set(((await db(COLLECTION).pluck('id')) as number[]).map(String));
	expect(
		[...perItem.keys()].filter((item) => !items.has(item)),
		'activity for items that do not exist',
	).toEqual([]);
}

beforeAll(async () => {
	await redis.start();
	for (const [i, instance] of INSTANCES.entries()) {
		const host = await startHost({ name: instance.name, port: instance.port, env, bootstrapFirst: i === 0 });
		urls.push(host.url);
		pids.push(host.pid);
		if (i === 0) {
			db = openDatabase(host.env) as Knex;
			await completeProjectSetup(host.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
			await createItemCollection(host.url, DEMO_ADMIN.token, COLLECTION, { writer: true });
		}
	}
}, 300_000);

afterAll(async () => {
	for (const instance of INSTANCES) await stopHost(instance.name, { signal: 'SIGKILL' });
	await db?.destroy();
	await redis.dispose();
	if (process.env['KEEP_TEST_DATABASES'] !== '1') await dropDatabase(env).catch(() => undefined);
});

describe('three instances, one PostgreSQL, one Redis', () => {
	it('writes spread over all three: one activity row per acknowledged write; one scheduled refresh per tick', async () => {
		const runsBefore = await Promise.all(urls.map(async (url) => (await status(url)).schedule.refreshRuns));
		const from = Date.now();
		const load = startWriteLoad(urls, DEMO_ADMIN.token, COLLECTION, 12);
		await sleep(12_000);
		await load.stop();
		await waitForAllIdle(urls);
		const runsAfter = await Promise.all(urls.map(async (url) => (await status(url)).schedule.refreshRuns));
		const elapsedTicks = Math.floor((Date.now() - from) / 2_000);
		const runs = runsAfter.reduce((sum, n, i) => sum + n - runsBefore[i]!, 0);
		expect(load.failureReasons).toEqual({});
		await expectOneActivityPerAcknowledgedWrite(load.acked);
		// Three instances, each with the 2-second schedule: one run per tick in all, not three.
		expect(runs).toBeLessThanOrEqual(elapsedTicks + 2);
		expect(runs).toBeGreaterThanOrEqual(Math.floor(elapsedTicks / 2));
		// And the refreshes absorbed everything written.
		await sleep(2_500);
		const rollup = (await status(urls[0]!)).rollup;
		expect(rollup.lagRows).toBe(0);
	});

	it('all three serve the same cached answer, and a cache clear on one is seen by the others', async () => {
		await sleep(2_500);
		const path = '/analytics/overview?range=24h';
		const first = await call(urls[0]!, path);
		expect(first.status).toBe(200);
		for (const url of urls.slice(1)) {
			const other = await call(url, path);
			expect(other.headers.get('x-cache')).toBe('HIT');
			expect(other.data).toEqual(first.data);
		}
		expect((await call(urls[1]!, '/analytics/cache', 'DELETE')).status).toBeLessThan(300);
		expect((await call(urls[2]!, path)).headers.get('x-cache')).toBe('MISS');
		expect((await call(urls[0]!, path)).headers.get('x-cache')).toBe('HIT');
	});

	it('one instance hard-killed mid-load: the others claim its pending entries and write them, once', async () => {
		const streams = new Redis(redis.url);
		try {
			const load = startWriteLoad(urls, DEMO_ADMIN.token, COLLECTION, 12);
			await sleep(4_000);
			const key = `${NAMESPACE}:activity-analytics:events`;
			// Frozen first, so what it holds cannot change (acknowledged) between this count and the kill.
			process.kill(pids[2]!, 'SIGSTOP');
			const [, , , consumers] = (await streams.xpending(key, 'writers')) as [
				number,
				string,
				string,
				[string, string][] | null,
			];
			const held = (consumers ?? [])
				.filter(([consumer]) => consumer.includes(`:${pids[2]}:`))
				.reduce((sum, [, n]) => sum + Number(n), 0);
			await stopHost(INSTANCES[2]!.name, { signal: 'SIGKILL' });
			await sleep(4_000);
			await load.stop();
			const live = urls.slice(0, 2);
			const after = await waitForAllIdle(live);
			// Writes to the dead instance failed (refused, not acknowledged), never with a 5xx; every acknowledged one is written once.
			expect(Object.keys(load.failureReasons).filter((reason) => reason.startsWith('5'))).toEqual([]);
			await expectOneActivityPerAcknowledgedWrite(load.acked);
			const claimed = after.reduce((sum, s) => sum + s.writer.claimed, 0);
			if (held > 0) expect(claimed).toBeGreaterThan(0);
			const [pending] = (await streams.xpending(key, 'writers')) as [number];
			expect(Number(pending)).toBe(0);
			process.stdout.write(
				`[multi-instance] killed instance held ${held} pending entries; the others claimed ${claimed}\n`,
			);
		} finally {
			streams.disconnect();
		}
	});

	it('Redis stopped for 10 s mid-load: nothing lost, and the instances recover without a restart', async () => {
		const live = urls.slice(0, 2);
		const load = startWriteLoad(live, DEMO_ADMIN.token, COLLECTION, 8);
		await sleep(2_000);
		await redis.stop();
		await sleep(10_000);
		await redis.start();
		await sleep(5_000);
		await load.stop();
		// During the outage a request may wait for Redis past the client's 10 s timeout; none may fail with a 5xx.
		expect(Object.keys(load.failureReasons).filter((reason) => reason !== 'TimeoutError')).toEqual([]);
		// After it, every write goes through again, on both instances.
		const recovered = startWriteLoad(live, DEMO_ADMIN.token, COLLECTION, 8);
		await sleep(5_000);
		await recovered.stop();
		expect(recovered.failureReasons).toEqual({});
		const after = await waitForAllIdle(live);
		expect(after.reduce((sum, s) => sum + s.writer.drops, 0)).toBe(0);
		await expectOneActivityPerAcknowledgedWrite([...load.acked, ...recovered.acked]);
		process.stdout.write(
			`[multi-instance] Redis outage: ${load.acked.length} writes acknowledged, ${JSON.stringify(load.failureReasons)} timed out; ${after.reduce((sum, s) => sum + s.writer.redisFallbacks, 0)} events waited in memory\n`,
		);
		// Recovered without a restart: the shared cache answers again and the schedule ticks again.
		const runs = await Promise.all(live.map(async (url) => (await status(url)).schedule.refreshRuns));
		await sleep(5_000);
		const later = await Promise.all(live.map(async (url) => (await status(url)).schedule.refreshRuns));
		expect(later.reduce((a, b) => a + b, 0)).toBeGreaterThan(runs.reduce((a, b) => a + b, 0));
		await call(live[0]!, '/analytics/cache', 'DELETE');
		const path = '/analytics/overview?range=7d';
		expect((await call(live[0]!, path)).headers.get('x-cache')).toBe('MISS');
		expect((await call(live[1]!, path)).headers.get('x-cache')).toBe('HIT');
		expect(after[0]!.cache.store).toBe('redis');
	});
});
