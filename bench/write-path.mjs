// Write path, measured side by side in one run on real Directus 12.4.0 + PostgreSQL + Redis:
//   sequential POST /items/<c> and a bulk POST of 1,000 items, for
//     native accountability | no accountability (the upper bound) | the writer | native + 20 audit triggers
//     | the writer after the trigger swap (the 20 triggers dropped by `analytics triggers apply`)
//   and the writer's own throughput (events through the Redis stream into PostgreSQL) against raw COPY.
// Every write the writer took is checked afterwards: exactly one activity row each.
// Usage: node scripts/host.mjs run-node bench/write-path.mjs [--requests 200] [--rounds 5] [--events 200000]
import { execFileSync, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	DEMO_ADMIN,
	dropDatabase,
	hostDir,
	nodeEnv,
	openDatabase,
	repoRoot,
	startHost,
	stopHost,
} from '../scripts/host.mjs';
import { completeProjectSetup } from '../scripts/demo-data/demo-schema.mjs';
import { fmt, machineNote, markdownTable, percentile } from './lib/stats.mjs';
import { bulk, call, createBenchCollection, sequential, waitForWriter } from './lib/writes.mjs';
import { flag } from './lib/flags.mjs';

const requests = Number(flag('requests', '200'));
const rounds = Number(flag('rounds', '5'));
const bulkSize = Number(flag('bulk', '1000'));
const events = Number(flag('events', '200000'));
const flushSize = flag('flush-size', '5000');
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

const env = {
	DB_CLIENT: 'pg',
	DB_HOST: process.env.BENCH_PG_HOST ?? '127.0.0.1',
	DB_PORT: '5432',
	DB_USER: 'postgres',
	DB_DATABASE: 'aa_bench_write',
	REDIS: process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379',
	CACHE_ENABLED: 'false',
	CACHE_NAMESPACE: `aa_bench_write_${Date.now().toString(36)}`,
	LOG_LEVEL: 'warn',
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	ACTIVITY_ANALYTICS_FLUSH_SIZE: flushSize,
};
const NAME = 'bench-write';
const VARIANTS = [
	{ key: 'native', label: 'native accountability', collection: 'b_native' },
	{ key: 'none', label: 'no accountability (bound)', collection: 'b_none' },
	{ key: 'writer', label: 'writer', collection: 'b_writer' },
	{ key: 'triggers', label: 'native + 20 audit triggers', collection: 'b_triggers' },
	{ key: 'swapped', label: 'writer after trigger swap', collection: 'b_swapped' },
];

function cli(args) {
	const result = spawnSync(process.execPath, [join(hostDir, 'node_modules', 'directus', 'cli.js'), ...args], {
		env: { ...nodeEnv(), ...hostEnvForCli, LOG_LEVEL: 'error' },
		encoding: 'utf8',
	});
	if (result.status !== 0) throw new Error(`directus ${args.join(' ')}: ${result.stderr}`);
	return JSON.parse(result.stdout.trim().split('\n').at(-1));
}
let hostEnvForCli = {};

async function setUp(url, db) {
	for (const variant of VARIANTS)
		await createBenchCollection(url, variant.collection, variant.key === 'none' ? null : 'all');
	await db.raw(
		'create table bench_audit_log (id bigserial primary key, table_name text, op text, row_id text, changed_at timestamptz default now(), row_data jsonb)',
	);
	await db.raw(`create function bench_audit_row() returns trigger language plpgsql as $$ begin
		insert into bench_audit_log (table_name, op, row_id, row_data) values (TG_TABLE_NAME, TG_OP, coalesce(NEW.id, OLD.id)::text, to_jsonb(coalesce(NEW, OLD)));
		return coalesce(NEW, OLD); end $$`);
	for (const table of ['b_triggers', 'b_swapped']) {
		for (let i = 1; i <= 20; i++)
			await db.raw(
				`create trigger ${table}_audit_${String(i).padStart(2, '0')} after insert or update or delete on ${table} for each row execute function bench_audit_row()`,
			);
	}
	await call(url, '/analytics/writer/enable', 'POST', { collections: ['b_writer'] });
	// The swap as a user would do it: plan says put b_swapped under the writer and drop its triggers.
	await call(url, '/analytics/writer/enable', 'POST', { collections: ['b_swapped'] });
	const only = Array.from({ length: 20 }, (_, i) => `b_swapped_audit_${String(i + 1).padStart(2, '0')}`).join(',');
	const applied = cli(['analytics', 'triggers', 'apply', '--only', only]);
	log(`trigger swap: dropped ${applied.dropped.length} triggers on b_swapped`);
}

/** Events pushed straight into the stream (as capture would), timed until the consumer has written them all. */
async function writerThroughput(url) {
	const redis = new Redis(env.REDIS);
	const stream = `${env.CACHE_NAMESPACE}:activity-analytics:events`;
	const before = (await waitForWriter(url, (w) => w.queue.depth === 0)).eventsWritten;
	const now = Date.now();
	const started = performance.now();
	for (let i = 0; i < events; i += 10_000) {
		const pipeline = redis.pipeline();
		for (let j = i; j < Math.min(events, i + 10_000); j++) {
			const event = {
				key: randomUUID(),
				action: j % 3 === 0 ? 'create' : 'update',
				user: null,
				ip: '10.1.2.3',
				user_agent: 'bench',
				origin: 'http://bench',
				collection: 'b_writer',
				item: String(j),
				at: now + Math.floor(j / 100),
				seq: j,
			};
			if (j % 2 === 0) event.revision = { data: { title: `t${j}`, count: j }, delta: { count: j }, parentKey: null };
			pipeline.xadd(stream, '*', 'e', JSON.stringify(event));
		}
		await pipeline.exec();
	}
	const pushedMs = performance.now() - started;
	const atPushEnd = (await call(url, '/analytics/status')).writer.eventsWritten - before;
	const drainStarted = performance.now();
	const writer = await waitForWriter(url, (w) => w.eventsWritten - before >= events && w.queue.depth === 0);
	const ms = performance.now() - started;
	const drainMs = performance.now() - drainStarted;
	await redis.quit();
	// Two figures: end to end while this script was still producing on the same cores, and the rate at which
	// the consumer drained the backlog once production stopped (the writer alone).
	return {
		events,
		ms,
		pushedMs,
		eventsPerSecond: (events / ms) * 1000,
		drainEventsPerSecond: ((events - atPushEnd) / drainMs) * 1000,
		written: writer.eventsWritten - before,
	};
}

/** The same rows through COPY into a copy of directus_activity: what PostgreSQL takes at most. */
function copyLimit() {
	const file = join(repoRoot, 'bench', 'results', 'copy-input.csv');
	const lines = [];
	const at = new Date().toISOString();
	for (let i = 0; i < events; i++) lines.push(`update,${at},10.1.2.3,bench,http://bench,b_writer,${i}`);
	writeFileSync(file, `${lines.join('\n')}\n`);
	const psql = (sql) =>
		execFileSync(
			'psql',
			['-h', env.DB_HOST, '-U', env.DB_USER, '-d', env.DB_DATABASE, '-v', 'ON_ERROR_STOP=1', '-c', sql],
			{ stdio: ['ignore', 'pipe', 'pipe'] },
		);
	psql(
		'drop table if exists bench_copy_target; create table bench_copy_target (like directus_activity including defaults)',
	);
	const started = performance.now();
	psql(
		`\\copy bench_copy_target (action, timestamp, ip, user_agent, origin, collection, item) from '${file}' with (format csv)`,
	);
	const ms = performance.now() - started;
	rmSync(file, { force: true });
	return { rows: events, ms, rowsPerSecond: (events / ms) * 1000 };
}

async function main() {
	await stopHost(NAME);
	await dropDatabase(env);
	const host = await startHost({ name: NAME, port: 18170, env });
	hostEnvForCli = host.env;
	await completeProjectSetup(host.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
	const db = openDatabase(host.env);
	try {
		await setUp(host.url, db);
		const seq = Object.fromEntries(VARIANTS.map((v) => [v.key, { latencies: [], ms: 0 }]));
		const bulks = Object.fromEntries(VARIANTS.map((v) => [v.key, []]));
		log(`sequential: ${rounds} rounds × ${requests} POSTs per variant, interleaved`);
		await sequential(host.url, 'b_none', 20); // warm-up
		for (let round = 0; round < rounds; round++) {
			const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
			for (const variant of order) {
				const started = performance.now();
				seq[variant.key].latencies.push(...(await sequential(host.url, variant.collection, requests)));
				seq[variant.key].ms += performance.now() - started;
			}
		}
		log(`bulk: ${rounds} rounds × one POST of ${bulkSize} items per variant, interleaved`);
		for (let round = 0; round < rounds; round++) {
			const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
			for (const variant of order) bulks[variant.key].push(await bulk(host.url, variant.collection, bulkSize));
		}
		await waitForWriter(host.url, (w) => w.queue.depth === 0 && w.inFlight === 0);
		// Correctness of the measured run: one activity row per created item, for every variant that tracks.
		for (const variant of VARIANTS.filter((v) => v.key !== 'none')) {
			const [{ items }] = await db(variant.collection).count({ items: '*' });
			const [{ rows }] = await db('directus_activity')
				.where({ collection: variant.collection, action: 'create' })
				.count({ rows: '*' });
			if (Number(items) !== Number(rows))
				throw new Error(`${variant.collection}: ${items} items but ${rows} create rows`);
		}
		log(`writer throughput: ${events.toLocaleString('en')} events through the stream (flush size ${flushSize})`);
		const throughput = await writerThroughput(host.url);
		const copy = copyLimit();

		const stats = Object.fromEntries(
			VARIANTS.map((v) => {
				const s = seq[v.key];
				const bulkMs = percentile(bulks[v.key], 50);
				return [
					v.key,
					{
						rps: (s.latencies.length / s.ms) * 1000,
						p50: percentile(s.latencies, 50),
						p99: percentile(s.latencies, 99),
						bulkP50: bulkMs,
						bulkItemsPerSecond: (bulkSize / bulkMs) * 1000,
					},
				];
			}),
		);
		const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
		const rows = VARIANTS.map((v) => {
			const s = stats[v.key];
			return [
				v.label,
				s.rps.toFixed(0),
				fmt(s.p50),
				fmt(s.p99),
				ratio(s.rps, stats.none.rps),
				fmt(s.bulkP50),
				ratio(stats.native.bulkP50, s.bulkP50),
				ratio(stats.none.bulkP50, s.bulkP50),
			];
		});
		const table = markdownTable(
			[
				'variant',
				'seq req/s',
				'seq p50 ms',
				'seq p99 ms',
				'req/s vs bound',
				`bulk ${bulkSize} p50 ms`,
				'bulk speed vs native',
				'bulk speed vs bound',
			],
			rows,
		);
		const summary = markdownTable(
			['measure', 'result', 'target'],
			[
				['single writes: writer vs no-accountability bound', ratio(stats.writer.rps, stats.none.rps), '≥ 0.95×'],
				['single writes: writer vs native', ratio(stats.writer.rps, stats.native.rps), '≥ 1.00×'],
				['bulk: writer vs native', ratio(stats.native.bulkP50, stats.writer.bulkP50), '≥ 3×'],
				['bulk: writer vs bound', ratio(stats.none.bulkP50, stats.writer.bulkP50), '≥ 0.90×'],
				['bulk: writer after swap vs 20 triggers', ratio(stats.triggers.bulkP50, stats.swapped.bulkP50), '≥ 3×'],
				[
					'writer throughput into PostgreSQL, backlog drain (writer alone)',
					`${Math.round(throughput.drainEventsPerSecond).toLocaleString('en')} events/s`,
					'≥ 50,000/s',
				],
				[
					'writer throughput, end to end while the producer runs on the same cores',
					`${Math.round(throughput.eventsPerSecond).toLocaleString('en')} events/s`,
					'',
				],
				['raw COPY (same rows, activity only)', `${Math.round(copy.rowsPerSecond).toLocaleString('en')} rows/s`, ''],
				[
					'writer share of the COPY limit (drain)',
					`${((throughput.drainEventsPerSecond / copy.rowsPerSecond) * 100).toFixed(0)}%`,
					'',
				],
			],
		);
		const report = `Write path on ${machineNote()}, Directus 12.4.0, PostgreSQL + Redis, ${rounds}×${requests} sequential POSTs and ${rounds} bulk POSTs of ${bulkSize} per variant (interleaved), flush size ${flushSize}\n\n${table}\n\n${summary}\n`;
		process.stdout.write(`${report}\n`);
		writeFileSync(
			join(repoRoot, 'bench', 'results', 'write-path.json'),
			JSON.stringify(
				{
					machine: machineNote(),
					at: new Date().toISOString(),
					requests,
					rounds,
					bulkSize,
					flushSize,
					stats,
					throughput,
					copy,
				},
				null,
				2,
			),
		);
	} finally {
		await db.destroy();
		await stopHost(NAME);
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
