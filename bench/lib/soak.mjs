// The soak: item writes and dashboard reads mixed at steady rates against one Directus on PostgreSQL + Redis,
// sampling the instance's memory and the writer's queue. Used by bench/soak.mjs (10 minutes, a report) and by
// the failure suite's short run (correctness only).
import { setTimeout as sleep } from 'node:timers/promises';
import { completeProjectSetup, createItemCollection } from '../../scripts/demo-data/demo-schema.mjs';
import { DEMO_ADMIN, dropDatabase, openDatabase, startHost, stopHost } from '../../scripts/host.mjs';
import { percentile } from './stats.mjs';

const COLLECTION = 'soak_items';
// What the default panel asks for, plus a custom window now and then (a cache miss).
const DASHBOARD = [
	'/analytics/overview?range=7d',
	'/analytics/timeseries?range=7d&interval=hour',
	'/analytics/breakdown?range=7d&by=collection&limit=10',
	'/analytics/breakdown?range=7d&by=ip&limit=10',
	'/analytics/suspicious?range=24h&by=ip',
];

async function call(url, path, method = 'GET', body) {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: {
			authorization: `Bearer ${DEMO_ADMIN.token}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	return { status: response.status, data: text ? JSON.parse(text).data : null };
}

/** Fires `perSecond` calls of `work` a second, at most `maxInFlight` at once; counts what could not start. */
function paced(perSecond, maxInFlight, work) {
	let running = true;
	let inFlight = 0;
	let skipped = 0;
	const pending = new Set();
	const interval = 1000 / perSecond;
	const loop = (async () => {
		let next = performance.now();
		while (running) {
			next += interval;
			if (inFlight < maxInFlight) {
				inFlight++;
				const task = work().finally(() => {
					inFlight--;
					pending.delete(task);
				});
				pending.add(task);
			} else skipped++;
			const wait = next - performance.now();
			if (wait > 0) await sleep(wait);
		}
	})();
	return {
		get skipped() {
			return skipped;
		},
		stop: async () => {
			running = false;
			await loop;
			await Promise.all(pending);
		},
	};
}

/**
 * Runs the soak for `seconds` and returns what it saw: per-sample memory and queue, latencies, errors, and the
 * correctness check (one activity row per acknowledged write).
 */
export async function runSoak({
	name,
	port,
	seconds,
	writesPerSecond = 200,
	readsPerSecond = 20,
	sampleEveryMs = 5_000,
	log = () => {},
}) {
	const runId = `${process.pid}_${Date.now().toString(36)}`;
	const env = {
		DB_CLIENT: 'pg',
		DB_HOST: process.env.TEST_PG_HOST ?? '127.0.0.1',
		DB_PORT: process.env.TEST_PG_PORT ?? '5432',
		DB_USER: process.env.TEST_PG_USER ?? 'postgres',
		DB_DATABASE: `aa_soak_${runId}`,
		REDIS: process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379',
		CACHE_NAMESPACE: `aa_soak_${runId}`,
		SYNCHRONIZATION_STORE: 'redis',
		PRESSURE_LIMITER_ENABLED: 'false',
		LOG_LEVEL: 'warn',
		ACTIVITY_ANALYTICS_REFRESH_CRON: '*/10 * * * * *',
	};
	const host = await startHost({ name, port, env });
	const db = openDatabase(host.env);
	const result = {
		seconds,
		writesPerSecond,
		readsPerSecond,
		samples: [],
		writes: { acked: 0, latencies: [] },
		reads: { ok: 0, latencies: [] },
		errors: {},
		missing: 0,
		doubled: 0,
		skipped: { writes: 0, reads: 0 },
	};
	const error = (key) => (result.errors[key] = (result.errors[key] ?? 0) + 1);
	try {
		await completeProjectSetup(host.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
		await createItemCollection(host.url, DEMO_ADMIN.token, COLLECTION, { writer: true });
		const acked = [];
		let n = 0;
		const writes = paced(writesPerSecond, 64, async () => {
			const started = performance.now();
			try {
				const answer = await call(host.url, `/items/${COLLECTION}`, 'POST', { title: `soak ${n++}` });
				if (answer.status === 200) {
					acked.push(answer.data.id);
					result.writes.latencies.push(performance.now() - started);
				} else error(`write ${answer.status}`);
			} catch (e) {
				error(`write ${e.cause?.code ?? e.name}`);
			}
		});
		let r = 0;
		const reads = paced(readsPerSecond, 32, async () => {
			// The API takes whole seconds.
			const iso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
			const path =
				r % 10 === 9
					? `/analytics/overview?from=${iso(Date.now() - 3_600_000)}&to=${iso(Date.now())}`
					: DASHBOARD[r % DASHBOARD.length];
			r++;
			const started = performance.now();
			try {
				const answer = await call(host.url, path);
				if (answer.status === 200) {
					result.reads.ok++;
					result.reads.latencies.push(performance.now() - started);
				} else error(`read ${answer.status}`);
			} catch (e) {
				error(`read ${e.cause?.code ?? e.name}`);
			}
		});
		const startedAt = Date.now();
		// A fixed number of samples on a fixed schedule from the start: a slow status call under load delays one
		// sample (and stretches the run a little) instead of dropping the later ones.
		const ticks = Math.max(1, Math.round((seconds * 1000) / sampleEveryMs));
		for (let tick = 1; tick <= ticks; tick++) {
			await sleep(Math.max(0, startedAt + tick * sampleEveryMs - Date.now()));
			const status = await call(host.url, '/analytics/status');
			if (status.status !== 200) {
				error(`status ${status.status}`);
				continue;
			}
			const s = status.data;
			result.samples.push({
				t: Math.round((Date.now() - startedAt) / 1000),
				rss: s.process.rss,
				heapUsed: s.process.heapUsed,
				queueDepth: s.writer.queue.depth,
				pending: s.writer.queue.pending ?? 0,
				lagRows: s.rollup.lagRows,
			});
			log(
				`t=${result.samples.at(-1).t}s rss ${(s.process.rss / 1048576).toFixed(0)} MB heap ${(s.process.heapUsed / 1048576).toFixed(0)} MB queue ${s.writer.queue.depth} writes ${acked.length}`,
			);
		}
		await writes.stop();
		await reads.stop();
		result.skipped = { writes: writes.skipped, reads: reads.skipped };
		result.writes.acked = acked.length;
		// Drained, then every acknowledged write has exactly one activity row.
		const deadline = Date.now() + 60_000;
		for (;;) {
			const { data } = await call(host.url, '/analytics/status');
			if (data.writer.queue.depth === 0 && (data.writer.queue.pending ?? 0) === 0 && data.writer.inFlight === 0) break;
			if (Date.now() > deadline) throw new Error(`writer not drained: ${JSON.stringify(data.writer.queue)}`);
			await sleep(250);
		}
		const rows = await db('directus_activity')
			.where({ collection: COLLECTION, action: 'create' })
			.select('item')
			.count({ n: '*' })
			.groupBy('item');
		const perItem = new Map(rows.map((row) => [String(row.item), Number(row.n)]));
		result.missing = acked.filter((id) => !perItem.has(String(id))).length;
		result.doubled = [...perItem.values()].filter((count) => count > 1).length;
	} finally {
		await db.destroy();
		await stopHost(name);
		await dropDatabase(env).catch(() => undefined);
	}
	return summarize(result);
}

/**
 * Memory growth after warm-up (the first 20% of samples): the floor (minimum) of the last fifth of the run
 * against the floor of the first fifth. The heap swings by hundreds of MB between collections; a leak raises
 * its floor. Also queue bounds and p99s.
 */
export function summarize(result) {
	const samples = result.samples;
	const warm = samples.slice(Math.max(1, Math.floor(samples.length * 0.2)));
	const window = Math.max(1, Math.floor(warm.length / 5));
	const floor = (list, key) => Math.min(...list.map((s) => s[key]));
	const growth = (key) =>
		warm.length >= 2 ? floor(warm.slice(-window), key) / floor(warm.slice(0, window), key) - 1 : 0;
	return {
		...result,
		writes: {
			acked: result.writes.acked,
			p50: percentile(result.writes.latencies, 50),
			p99: percentile(result.writes.latencies, 99),
			perSecond: result.writes.acked / result.seconds,
		},
		reads: {
			ok: result.reads.ok,
			p50: percentile(result.reads.latencies, 50),
			p99: percentile(result.reads.latencies, 99),
			perSecond: result.reads.ok / result.seconds,
		},
		rssGrowth: growth('rss'),
		heapGrowth: growth('heapUsed'),
		maxQueueDepth: Math.max(0, ...samples.map((s) => s.queueDepth)),
		errorCount: Object.values(result.errors).reduce((a, b) => a + b, 0),
	};
}
