import type { Knex } from 'knex';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, dropDatabase, openDatabase, repoRoot, startHost, stopHost } from '../../scripts/host.mjs';
import { completeProjectSetup, createItemCollection } from '../../scripts/demo-data/demo-schema.mjs';
import type { WriterStatusFigures } from '../../src/shared/status';
import { WRITER_LEDGER_TABLE } from '../../src/server/schema/writer-tables';
import { FaultPostgres, FaultRedis } from '../support/fault-services';
import { postgresHostEnv } from '../support/pg-env';
import { startWriteLoad } from '../support/write-load';

// Each test counts the creates Directus acknowledged and asserts exactly one activity row for each of them,
// and never two for any item, after a fault in the middle of the load.
const HOST = 'fault';
const PORT = 18160;
const runId = `${process.pid}_${Date.now().toString(36)}`;
const redis = new FaultRedis(16390);
// As many caches run: no append-only file, no snapshots.
const volatileRedis = new FaultRedis(16391, { persistent: false });
const postgres = new FaultPostgres(15433);
const created: Record<string, string>[] = [];
const COLLECTION = 'fault_items';
let bootedEnv: Record<string, string> = {};
let bootedLog = '';

function hostEnv(label: string, extra: Record<string, string> = {}): Record<string, string> {
	const env = postgresHostEnv(`aa_fault_${runId}_${label}`, {
		ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
		// One spool folder per database: a test's hard kill leaves its spool to its own next start only.
		ACTIVITY_ANALYTICS_SPOOL_DIR: join(tmpdir(), `aa-fault-spool-${runId}-${label}`),
		ACTIVITY_ANALYTICS_CLAIM_IDLE_MS: '2000',
		ACTIVITY_ANALYTICS_FLUSH_INTERVAL_MS: '200',
		...extra,
	});
	created.push(env);
	return env;
}

async function request<T>(url: string, path: string, method = 'GET', body?: unknown): Promise<T> {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: {
			authorization: `Bearer ${DEMO_ADMIN.token}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
	return ((await response.json()) as { data: T }).data;
}

/** A fresh Directus on `env` with one revision-tracked collection under the writer. */
async function bootWriterHost(env: Record<string, string>): Promise<string> {
	const host = await startHost({ name: HOST, port: PORT, env });
	bootedEnv = host.env;
	bootedLog = host.logFile;
	await completeProjectSetup(host.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
	await createItemCollection(host.url, DEMO_ADMIN.token, COLLECTION, { writer: true });
	return host.url;
}

async function writerStatus(url: string): Promise<WriterStatusFigures> {
	return (await request<{ writer: WriterStatusFigures }>(url, '/analytics/status')).writer;
}

/** Until the writer holds nothing (stream drained, nothing pending or in memory). */
async function waitForIdle(url: string, timeoutMs = 60_000): Promise<WriterStatusFigures> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const writer = await writerStatus(url).catch(() => null);
		if (writer && writer.inFlight === 0 && writer.queue.depth === 0 && (writer.queue.pending ?? 0) === 0) return writer;
		if (Date.now() > deadline) throw new Error(`writer still busy: ${JSON.stringify(writer?.queue)}`);
		await sleep(250);
	}
}

/** Activity rows of one action on the test collection, per item. */
async function rowsPerItem(db: Knex, action: 'create' | 'update'): Promise<Map<string, number>> {
	const rows = (await db('directus_activity')
		.where({ collection: COLLECTION, action })
		.select('item')
		.count({ n: '*' })
		.groupBy('item')) as { item: string; n: number | string }[];
	return new Map(rows.map((r) => [String(r.item), Number(r.n)]));
}

/**
 * The rows of this action on these items with the writer's ledger entry for each (none: Directus wrote the row itself),
 * so a failure says who wrote the extra row and when.
 */
async function describeRows(db: Knex, action: 'create' | 'update', items: string[]): Promise<string> {
	if (items.length === 0) return 'none';
	const rows = await db('directus_activity as a')
		.leftJoin(`${WRITER_LEDGER_TABLE} as l`, 'l.activity', 'a.id')
		.where({ 'a.collection': COLLECTION, 'a.action': action })
		.whereIn('a.item', items.slice(0, 10))
		.select('a.id', 'a.item', 'a.timestamp', 'a.user', 'a.ip', 'a.origin', 'l.event_key', 'l.written_at')
		.orderBy('a.id');
	return JSON.stringify(rows);
}

async function expectOneActivityPerAcknowledgedWrite(env: Record<string, string>, acked: number[]): Promise<void> {
	const db = openDatabase(env) as Knex;
	try {
		const perItem = await rowsPerItem(db, 'create');
		const missing = acked.filter((id) => !perItem.has(String(id)));
		const doubled = [...perItem].filter(([, n]) => n > 1);
		expect(acked.length).toBeGreaterThan(50);
		expect(missing, 'acknowledged writes without an activity row').toEqual([]);
		expect(
			doubled,
			`items with more than one create row: ${await describeRows(
				db,
				'create',
				doubled.map(([item]) => item),
			)}`,
		).toEqual([]);
		// And every row belongs to an item that exists: nothing invented.
		const items = new Set(((await db(COLLECTION).pluck('id')) as number[]).map(String));
		expect([...perItem.keys()].filter((item) => !items.has(item))).toEqual([]);
	} finally {
		await db.destroy();
	}
}

/** Each item is updated at most once by the load: an acknowledged update has exactly one row, any other at most one. */
async function expectOneUpdatePerAcknowledgedUpdate(env: Record<string, string>, updated: number[]): Promise<void> {
	const db = openDatabase(env) as Knex;
	try {
		const perItem = await rowsPerItem(db, 'update');
		expect(updated.length).toBeGreaterThan(20);
		expect(
			updated.filter((id) => !perItem.has(String(id))),
			'acknowledged updates without an activity row',
		).toEqual([]);
		const doubled = [...perItem].filter(([, n]) => n > 1);
		expect(
			doubled,
			`items with more than one update row: ${await describeRows(
				db,
				'update',
				doubled.map(([item]) => item),
			)}`,
		).toEqual([]);
	} finally {
		await db.destroy();
	}
}

beforeAll(async () => {
	await redis.start();
	await volatileRedis.start();
	await postgres.init();
}, 120_000);

afterAll(async () => {
	await stopHost(HOST, { signal: 'SIGKILL' });
	await redis.dispose();
	await volatileRedis.dispose();
	await postgres.dispose();
	if (process.env['KEEP_TEST_DATABASES'] !== '1')
		for (const env of created) await dropDatabase(env).catch(() => undefined);
	for (const env of created) rmSync(env['ACTIVITY_ANALYTICS_SPOOL_DIR']!, { recursive: true, force: true });
});

describe('the writer under faults, on a real Directus', () => {
	it('SIGTERM under load (memory queue): shutdown writes everything acknowledged', async () => {
		const env = hostEnv('sigterm');
		const url = await bootWriterHost(env);
		const load = startWriteLoad(url, DEMO_ADMIN.token, COLLECTION);
		await sleep(3000);
		await stopHost(HOST, { signal: 'SIGTERM', graceMs: 30_000 });
		await load.stop();
		await expectOneActivityPerAcknowledgedWrite(env, load.acked);
	});

	it('hard kill in Redis mode: the next consumer claims what the dead one held; no answered create or update is lost', async () => {
		const env = hostEnv('kill', { REDIS: redis.url, CACHE_NAMESPACE: `aa_fault_${runId}_kill` });
		const url = await bootWriterHost(env);
		// Updates of this revision-tracked collection read a snapshot before their event is handed over.
		const load = startWriteLoad(url, DEMO_ADMIN.token, COLLECTION, 8, { updates: true });
		await sleep(3000);
		await stopHost(HOST, { signal: 'SIGKILL' });
		await load.stop();
		await startHost({ name: HOST, port: PORT, env, bootstrapFirst: false });
		const writer = await waitForIdle(url);
		expect(writer.drops).toBe(0);
		// This Redis fsyncs its append-only file on every write: nothing it acknowledged can be lost.
		expect(writer.durability).toMatchObject({ mode: 'redis', lossPossible: false });
		await expectOneActivityPerAcknowledgedWrite(env, load.acked);
		await expectOneUpdatePerAcknowledgedUpdate(env, load.updated);
	});

	it('Redis stopped for 10 s mid-load: events wait in memory, none lost or doubled', async () => {
		const env = hostEnv('redis', { REDIS: redis.url, CACHE_NAMESPACE: `aa_fault_${runId}_redis` });
		const url = await bootWriterHost(env);
		const load = startWriteLoad(url, DEMO_ADMIN.token, COLLECTION);
		await sleep(2000);
		await redis.stop();
		await sleep(10_000);
		await redis.start();
		await sleep(3000);
		await load.stop();
		const writer = await waitForIdle(url);
		expect(writer.redisFallbacks).toBeGreaterThan(0);
		expect(writer.drops).toBe(0);
		await expectOneActivityPerAcknowledgedWrite(env, load.acked);
	});

	it('ACTIVITY_ANALYTICS_WRITER_COLLECTIONS puts collections under the writer at start and names unknown ones', async () => {
		const env = hostEnv('config');
		const url = await bootWriterHost(env);
		await request(url, '/collections', 'POST', {
			collection: 'cfg_items',
			meta: { accountability: 'activity' },
			schema: {},
			fields: [{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } }],
		});
		await stopHost(HOST);
		const restarted = await startHost({
			name: HOST,
			port: PORT,
			env: { ...env, ACTIVITY_ANALYTICS_WRITER_COLLECTIONS: 'cfg_items, ghost_items' },
			bootstrapFirst: false,
		});
		// The configured list is applied once the app is up; the unknown name stops it and is named in the log.
		await sleep(1500);
		expect(await request<{ collection: string }[]>(url, '/analytics/writer')).toEqual([
			expect.objectContaining({ collection: COLLECTION }),
		]);
		expect(readFileSync(restarted.logFile, 'utf8')).toContain(
			'ACTIVITY_ANALYTICS_WRITER_COLLECTIONS: unknown collection: ghost_items',
		);
		await stopHost(HOST);
		await startHost({
			name: HOST,
			port: PORT,
			env: { ...env, ACTIVITY_ANALYTICS_WRITER_COLLECTIONS: 'cfg_items' },
			bootstrapFirst: false,
		});
		await sleep(1500);
		const listed = await request<{ collection: string; original_accountability: string }[]>(url, '/analytics/writer');
		expect(listed.find((c) => c.collection === 'cfg_items')).toMatchObject({ original_accountability: 'activity' });
		expect(
			(await request<{ meta: { accountability: string | null } }>(url, '/collections/cfg_items')).meta.accountability,
		).toBeNull();
	});

	it('extension reload (memory queue): the replaced copy writes what it held', async () => {
		// Events would wait ten minutes for their batch: only the reload can write them now.
		const env = hostEnv('reload', {
			EXTENSIONS_AUTO_RELOAD: 'true',
			ACTIVITY_ANALYTICS_FLUSH_INTERVAL_MS: '600000',
			ACTIVITY_ANALYTICS_FLUSH_SIZE: '50000',
		});
		const url = await bootWriterHost(env);
		for (let i = 0; i < 30; i++) await request(url, `/items/${COLLECTION}`, 'POST', { title: `before reload ${i}` });
		const db = openDatabase(env) as Knex;
		try {
			const count = async () =>
				Number((await db('directus_activity').where({ collection: COLLECTION }).count({ n: '*' }))[0]?.['n']);
			expect(await count()).toBe(0);
			appendFileSync(
				join(bootedEnv['EXTENSIONS_PATH']!, 'directus-extension-activity-analytics', 'dist', 'api.js'),
				'\n// touched to reload\n',
			);
			const deadline = Date.now() + 30_000;
			while ((await count()) < 30 && Date.now() < deadline) await sleep(250);
			expect(await count()).toBe(30);
		} finally {
			await db.destroy();
		}
	});

	it('PostgreSQL restarted mid-load: batches retry until it is back', async () => {
		const env = hostEnv('pgrestart', {
			DB_HOST: '127.0.0.1',
			DB_PORT: String(postgres.port),
			DB_USER: 'postgres',
			REDIS: redis.url,
			CACHE_NAMESPACE: `aa_fault_${runId}_pg`,
		});
		const url = await bootWriterHost(env);
		const load = startWriteLoad(url, DEMO_ADMIN.token, COLLECTION);
		await sleep(2000);
		await postgres.stop();
		await sleep(5000);
		await postgres.start();
		await sleep(4000);
		await load.stop();
		const writer = await waitForIdle(url);
		expect(writer.drops).toBe(0);
		await expectOneActivityPerAcknowledgedWrite(env, load.acked);
	});
});

/** Each zero-loss test's counts, in test-results/zero-loss.json, for the figures the docs quote. */
const zeroLoss: Record<string, unknown> = {};
function recordCounts(test: string, counts: Record<string, number>): void {
	zeroLoss[test] = counts;
	mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
	writeFileSync(join(repoRoot, 'test-results', 'zero-loss.json'), JSON.stringify(zeroLoss, null, 2));
}

// Acknowledged = Directus answered the write. Each test counts those, then the lost and the doubled rows.
describe('zero loss in every mode, on a real Directus', () => {
	// Batches wait five seconds and 50,000 events: at the kill, what was answered is in the spool and in
	// memory only.
	const heldInMemory = { ACTIVITY_ANALYTICS_FLUSH_INTERVAL_MS: '5000', ACTIVITY_ANALYTICS_FLUSH_SIZE: '50000' };

	/**
	 * Creates and updates under load, `fault` in the middle, a kill -9 of Directus, a restart on the same
	 * database: every answered create and update has exactly one row, and the spool was replayed.
	 */
	async function killReplayAndCount(
		label: string,
		env: Record<string, string>,
		url: string,
		fault: () => Promise<void>,
	) {
		const load = startWriteLoad(url, DEMO_ADMIN.token, COLLECTION, 8, { updates: true });
		await fault();
		await stopHost(HOST, { signal: 'SIGKILL' });
		await load.stop();
		await startHost({ name: HOST, port: PORT, env, bootstrapFirst: false });
		const writer = await waitForIdle(url);
		recordCounts(label, {
			acknowledgedCreates: load.acked.length,
			acknowledgedUpdates: load.updated.length,
			replayed: writer.spoolReplayed,
		});
		expect(writer.spoolReplayed).toBeGreaterThan(0);
		expect(writer.drops).toBe(0);
		await expectOneActivityPerAcknowledgedWrite(env, load.acked);
		await expectOneUpdatePerAcknowledgedUpdate(env, load.updated);
	}

	it('hard kill in memory mode: the next start replays the spool; no answered create or update is lost or doubled', async () => {
		const env = hostEnv('spoolkill', heldInMemory);
		const url = await bootWriterHost(env);
		expect((await writerStatus(url)).durability).toMatchObject({ mode: 'spool', lossPossible: false });
		await killReplayAndCount('memory mode, kill -9', env, url, () => sleep(3000));
	});

	it('without the spool the same hard kill loses answered events, and the status says it could', async () => {
		const env = hostEnv('nospool', { ...heldInMemory, ACTIVITY_ANALYTICS_SPOOL: 'false' });
		const url = await bootWriterHost(env);
		const status = await request<{ warnings: { code: string }[]; writer: WriterStatusFigures }>(
			url,
			'/analytics/status',
		);
		expect(status.writer.durability).toMatchObject({ mode: 'memory', lossPossible: true });
		expect(status.warnings.map((w) => w.code)).toContain('QUEUE_NOT_DURABLE');
		const load = startWriteLoad(url, DEMO_ADMIN.token, COLLECTION);
		await sleep(3000);
		await stopHost(HOST, { signal: 'SIGKILL' });
		await load.stop();
		const db = openDatabase(env) as Knex;
		try {
			const perItem = await rowsPerItem(db, 'create');
			const lost = load.acked.filter((id) => !perItem.has(String(id))).length;
			recordCounts('memory mode without the spool, kill -9', { acknowledgedCreates: load.acked.length, lost });
			expect(load.acked.length).toBeGreaterThan(50);
			expect(lost).toBeGreaterThan(0);
		} finally {
			await db.destroy();
		}
	});

	it('Redis without persistence: the status and the log warn; with ACTIVITY_ANALYTICS_REQUIRE_DURABLE_QUEUE a Redis crash then a hard kill lose nothing', async () => {
		const plain = hostEnv('volatile', { REDIS: volatileRedis.url, CACHE_NAMESPACE: `aa_fault_${runId}_volatile` });
		const plainUrl = await bootWriterHost(plain);
		const status = await request<{ warnings: { code: string; message: string }[]; writer: WriterStatusFigures }>(
			plainUrl,
			'/analytics/status',
		);
		expect(status.writer.durability).toMatchObject({
			mode: 'redis',
			lossPossible: true,
			redis: { appendonly: 'no' },
		});
		expect(status.warnings.find((w) => w.code === 'QUEUE_NOT_DURABLE')?.message).toContain('appendonly no');
		expect(readFileSync(bootedLog, 'utf8')).toContain('Redis keeps no append-only file');
		await stopHost(HOST);

		const env = hostEnv('durable', {
			...heldInMemory,
			REDIS: volatileRedis.url,
			CACHE_NAMESPACE: `aa_fault_${runId}_durable`,
			ACTIVITY_ANALYTICS_REQUIRE_DURABLE_QUEUE: 'true',
		});
		const url = await bootWriterHost(env);
		const required = await request<{ warnings: { code: string }[]; writer: WriterStatusFigures }>(
			url,
			'/analytics/status',
		);
		expect(required.writer.durability).toMatchObject({ mode: 'spool', lossPossible: false });
		expect(required.warnings.map((w) => w.code)).not.toContain('QUEUE_NOT_DURABLE');
		// Redis crashes and comes back empty, then Directus is killed before its batches were due.
		await killReplayAndCount(
			'Redis without persistence + REQUIRE_DURABLE_QUEUE, Redis kill -9 then Directus kill -9',
			env,
			url,
			async () => {
				await sleep(2000);
				await volatileRedis.kill();
				await volatileRedis.start();
				await sleep(1500);
			},
		);
	});
});
