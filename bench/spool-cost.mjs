// What the local spool costs the answers of item writes, side by side in one run on real Directus 12.4.0 +
// PostgreSQL in memory mode: two hosts on one database, one spooling (every answer waits for its events'
// fdatasync, shared by the answers waiting together), one not, against no accountability at all (the upper
// bound) and native accountability. Sequential POSTs, bulk POSTs of 1,000 items and 16 concurrent clients,
// interleaved; every write the writers took is checked afterwards: exactly one activity row each.
// Usage: node scripts/host.mjs run-node bench/spool-cost.mjs [--requests 200] [--rounds 5]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_ADMIN, dropDatabase, openDatabase, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { completeProjectSetup } from '../scripts/demo-data/demo-schema.mjs';
import { flag } from './lib/flags.mjs';
import { fmt, machineNote, markdownTable, percentile } from './lib/stats.mjs';
import { bulk, call, createBenchCollection, sequential, waitForWriter } from './lib/writes.mjs';

const requests = Number(flag('requests', '200'));
const rounds = Number(flag('rounds', '5'));
const bulkSize = 1000;
const clients = 16;
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

const base = {
	DB_CLIENT: 'pg',
	DB_HOST: process.env.BENCH_PG_HOST ?? '127.0.0.1',
	DB_PORT: '5432',
	DB_USER: 'postgres',
	DB_DATABASE: 'aa_bench_spool',
	CACHE_ENABLED: 'false',
	LOG_LEVEL: 'warn',
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	ACTIVITY_ANALYTICS_QUEUE: 'memory',
};
const HOSTS = {
	spool: { name: 'bench-spool', port: 18180, env: { ...base, ACTIVITY_ANALYTICS_SPOOL: 'true' } },
	memory: { name: 'bench-nospool', port: 18181, env: { ...base, ACTIVITY_ANALYTICS_SPOOL: 'false' } },
};
const VARIANTS = [
	{ key: 'none', label: 'no accountability (bound)', host: 'spool', collection: 's_none' },
	// The same bound on the second host: each writer is compared with the bound of its own process.
	{ key: 'noneOther', label: 'no accountability, second host (its bound)', host: 'memory', collection: 's_none' },
	{ key: 'native', label: 'native accountability', host: 'spool', collection: 's_native' },
	{
		key: 'memory',
		label: 'writer, memory queue only (a kill -9 loses up to a flush)',
		host: 'memory',
		collection: 's_writer_memory',
	},
	{
		key: 'spool',
		label: 'writer with the spool (a kill -9 loses nothing)',
		host: 'spool',
		collection: 's_writer_spool',
	},
];

async function concurrent(url, collection) {
	const per = 50;
	const started = performance.now();
	await Promise.all(Array.from({ length: clients }, () => sequential(url, collection, per)));
	return ((clients * per) / (performance.now() - started)) * 1000;
}

async function main() {
	for (const host of Object.values(HOSTS)) await stopHost(host.name);
	await dropDatabase(base);
	const spoolHost = await startHost(HOSTS.spool);
	await completeProjectSetup(spoolHost.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
	const memoryHost = await startHost({ ...HOSTS.memory, bootstrapFirst: false });
	const urls = { spool: spoolHost.url, memory: memoryHost.url };
	const db = openDatabase(spoolHost.env);
	try {
		for (const variant of VARIANTS.filter((v) => v.key !== 'noneOther'))
			await createBenchCollection(spoolHost.url, variant.collection, variant.key === 'none' ? null : 'all');
		await call(spoolHost.url, '/analytics/writer/enable', 'POST', {
			collections: ['s_writer_memory', 's_writer_spool'],
		});
		// Both hosts read the writer's collections at start: the second restarts to see them.
		await stopHost(HOSTS.memory.name);
		await startHost({ ...HOSTS.memory, bootstrapFirst: false });
		const figures = Object.fromEntries(
			VARIANTS.map((v) => [v.key, { latencies: [], ms: 0, bulks: [], concurrent: [] }]),
		);
		for (const variant of VARIANTS) await sequential(urls[variant.host], variant.collection, 20); // warm-up
		log(
			`${rounds} rounds of ${requests} sequential POSTs, a bulk POST of ${bulkSize}, ${clients} concurrent clients; variants interleaved`,
		);
		for (let round = 0; round < rounds; round++) {
			const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
			for (const variant of order) {
				const url = urls[variant.host];
				const f = figures[variant.key];
				const started = performance.now();
				f.latencies.push(...(await sequential(url, variant.collection, requests)));
				f.ms += performance.now() - started;
				f.bulks.push(await bulk(url, variant.collection, bulkSize));
				f.concurrent.push(await concurrent(url, variant.collection));
			}
			log(`round ${round + 1} of ${rounds} done`);
		}
		const settled = (w) => w.queue.depth === 0 && w.inFlight === 0;
		const spoolWriter = await waitForWriter(urls.spool, settled);
		await waitForWriter(urls.memory, settled);
		for (const variant of VARIANTS.filter((v) => !v.key.startsWith('none'))) {
			const [{ items }] = await db(variant.collection).count({ items: '*' });
			const [{ rows }] = await db('directus_activity')
				.where({ collection: variant.collection, action: 'create' })
				.count({ rows: '*' });
			if (Number(items) !== Number(rows))
				throw new Error(`${variant.collection}: ${items} items but ${rows} create rows`);
		}
		const stats = Object.fromEntries(
			VARIANTS.map((v) => {
				const f = figures[v.key];
				return [
					v.key,
					{
						rps: (f.latencies.length / f.ms) * 1000,
						p50: percentile(f.latencies, 50),
						p99: percentile(f.latencies, 99),
						bulkP50: percentile(f.bulks, 50),
						concurrentRps: percentile(f.concurrent, 50),
					},
				];
			}),
		);
		const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
		const table = markdownTable(
			['variant', 'sequential req/s', 'p50 ms', 'p99 ms', `bulk ${bulkSize} p50 ms`, `${clients} clients req/s`],
			VARIANTS.map((v) => {
				const s = stats[v.key];
				return [v.label, s.rps.toFixed(1), fmt(s.p50), fmt(s.p99), fmt(s.bulkP50), s.concurrentRps.toFixed(1)];
			}),
		);
		const s = stats;
		const summary = markdownTable(
			['the spool against', 'sequential req/s', 'bulk speed', `${clients} clients req/s`],
			[
				[
					'the memory queue alone',
					ratio(s.spool.rps, s.memory.rps),
					ratio(s.memory.bulkP50, s.spool.bulkP50),
					ratio(s.spool.concurrentRps, s.memory.concurrentRps),
				],
				[
					"the memory queue alone, each against its own host's bound",
					ratio(s.spool.rps / s.none.rps, s.memory.rps / s.noneOther.rps),
					ratio(s.memory.bulkP50 / s.noneOther.bulkP50, s.spool.bulkP50 / s.none.bulkP50),
					ratio(s.spool.concurrentRps / s.none.concurrentRps, s.memory.concurrentRps / s.noneOther.concurrentRps),
				],
				[
					'no accountability (bound)',
					ratio(s.spool.rps, s.none.rps),
					ratio(s.none.bulkP50, s.spool.bulkP50),
					ratio(s.spool.concurrentRps, s.none.concurrentRps),
				],
				[
					'native accountability',
					ratio(s.spool.rps, s.native.rps),
					ratio(s.native.bulkP50, s.spool.bulkP50),
					ratio(s.spool.concurrentRps, s.native.concurrentRps),
				],
			],
		);
		const perCommit = spoolWriter.spoolCommits > 0 ? spoolWriter.eventsCaptured / spoolWriter.spoolCommits : 0;
		process.stdout.write(
			`\nSpool cost on ${machineNote()}, Directus 12.4.0, PostgreSQL, memory mode\n\n${table}\n\n${summary}\n\nGroup commit: ${spoolWriter.spoolCommits.toLocaleString('en')} fdatasyncs for ${spoolWriter.eventsCaptured.toLocaleString('en')} events (${perCommit.toFixed(1)} per fsync).\n`,
		);
		const file = join(repoRoot, 'bench', 'results', 'spool-cost.json');
		writeFileSync(
			file,
			JSON.stringify(
				{
					requests,
					rounds,
					machine: machineNote(),
					stats,
					spoolCommits: spoolWriter.spoolCommits,
					eventsCaptured: spoolWriter.eventsCaptured,
					at: new Date().toISOString(),
				},
				null,
				2,
			),
		);
		log(`wrote ${file}`);
	} finally {
		await db.destroy();
		for (const host of Object.values(HOSTS)) await stopHost(host.name);
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
