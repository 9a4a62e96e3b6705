// Retention and the index migration on real Directus 12.4.0 + PostgreSQL, measured side by side in one run
// while concurrent writers insert activity (with a revision each, in one transaction, as Directus does):
//   - the index migration (CREATE INDEX CONCURRENTLY on directus_activity) against a plain CREATE INDEX:
//     build time and the longest wait any writer saw;
//   - retention (archive, then delete, batches of 5,000): time per million rows archived and the writers'
//     p50 / p99 / longest wait during it against before it.
// Usage: node scripts/host.mjs run-node bench/retention.mjs [--rows 1M|10M] [--writers 16]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseGeneratorOptions } from '../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../scripts/demo-data/write-activity.mjs';
import { dropDatabase, hostDir, hostRequire, nodeEnv, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { fmt, machineNote, markdownTable, percentile } from './lib/stats.mjs';
import { flag } from './lib/flags.mjs';

const rowsLabel = flag('rows', '1M');
const rows = Number(rowsLabel.replace(/M$/i, '000000').replace(/k$/i, '000'));
const writerCount = Number(flag('writers', '16'));
const log = (message) => process.stderr.write(`[bench] ${message}\n`);
if (!Number.isInteger(rows) || rows < 10_000) throw new Error(`--rows must be like 1M or 10M (got "${rowsLabel}")`);

const END = '2025-03-01T00:00:00Z';
const KEEP_FROM = '2025-01-30T00:00:00Z';
const NAME = 'bench-retention';
const env = {
	DB_CLIENT: 'pg',
	DB_HOST: process.env.BENCH_PG_HOST ?? '127.0.0.1',
	DB_PORT: '5432',
	DB_USER: 'postgres',
	DB_DATABASE: 'aa_bench_retention',
	CACHE_ENABLED: 'false',
	LOG_LEVEL: 'warn',
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
};
let cliEnv = {};

// Asynchronous on purpose: the writers run in this process and must keep committing while the CLI works
// (a blocked event loop would hold their transactions open, and CREATE INDEX CONCURRENTLY would wait on them).
function cli(cliArgs) {
	const started = performance.now();
	const child = spawn(process.execPath, [join(hostDir, 'node_modules', 'directus', 'cli.js'), ...cliArgs], {
		env: { ...nodeEnv(), ...cliEnv, LOG_LEVEL: 'error' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => (stdout += chunk));
	child.stderr.on('data', (chunk) => (stderr += chunk));
	return new Promise((resolve, reject) => {
		child.once('exit', (code) => {
			if (code !== 0) reject(new Error(`directus ${cliArgs.join(' ')}: ${stderr}`));
			else resolve({ ms: performance.now() - started, value: JSON.parse(stdout.trim().split('\n').at(-1)) });
		});
	});
}

/** Writers inserting an activity row and its revision in one transaction, back to back, timing each. */
function startWriters(db, count) {
	const samples = [];
	let errors = 0;
	let running = true;
	const loops = Array.from({ length: count }, async (_, w) => {
		for (let i = 0; running; i++) {
			const started = performance.now();
			const startedAt = Date.now();
			try {
				await db.transaction(async (trx) => {
					const [row] = await trx('directus_activity')
						.insert({
							action: 'create',
							collection: 'bench_writes',
							item: `${w}-${i}`,
							ip: '203.0.113.9',
							timestamp: new Date(),
						})
						.returning('id');
					await trx('directus_revisions').insert({
						activity: row.id,
						collection: 'bench_writes',
						item: `${w}-${i}`,
						data: JSON.stringify({ w, i }),
					});
				});
				// A transaction counts in every window it overlaps: one blocked by a lock counts where it was blocked.
				samples.push({ at: startedAt, end: Date.now(), ms: performance.now() - started });
			} catch (error) {
				errors++;
				log(`writer error: ${error.message}`);
				await sleep(50);
			}
		}
	});
	return {
		samples,
		get errors() {
			return errors;
		},
		stop: async () => {
			running = false;
			await Promise.all(loops);
		},
	};
}

function windowStats(samples, from, to) {
	const ms = samples.filter((s) => s.at < to && s.end >= from).map((s) => s.ms);
	return {
		writes: ms.length,
		p50: percentile(ms, 50),
		p99: percentile(ms, 99),
		max: ms.length ? ms.reduce((a, b) => Math.max(a, b), 0) : NaN,
	};
}

async function during(writers, work) {
	const from = Date.now();
	const result = await work();
	const to = Date.now();
	// Transactions the work blocked finish just after it: wait for them before reading the window.
	await sleep(2_000);
	return { result, stats: windowStats(writers.samples, from, to) };
}

async function main() {
	await stopHost(NAME);
	await dropDatabase(env);
	const host = await startHost({ name: NAME, port: 18171, env });
	cliEnv = host.env;
	const knex = hostRequire('knex');
	const db = knex({
		client: 'pg',
		connection: { host: env.DB_HOST, port: 5432, user: 'postgres', database: env.DB_DATABASE },
		pool: { min: 0, max: writerCount + 4 },
	});
	const results = { rows, writers: writerCount, machine: machineNote(), at: new Date().toISOString() };
	try {
		log(`generating ${rowsLabel} rows with revisions`);
		const loadStarted = performance.now();
		await loadActivity(db, parseGeneratorOptions({ rows, days: 90, seed: 5, end: END, revisions: true }));
		log(`generated in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; absorbing into the rollups`);
		await cli(['analytics', 'refresh']);
		await db.raw('vacuum analyze directus_activity');
		await db.raw('vacuum analyze directus_revisions');

		const writers = startWriters(db, writerCount);
		await sleep(5_000);
		const baseline = windowStats(writers.samples, Date.now() - 5_000, Date.now());
		log(`writers baseline: p50 ${fmt(baseline.p50)} ms, p99 ${fmt(baseline.p99)} ms, max ${fmt(baseline.max)} ms`);

		// The index migration: our last migration builds directus_activity(timestamp) CONCURRENTLY.
		await cli(['analytics', 'migrate', 'down', '--last']);
		await sleep(1_000);
		const concurrent = await during(writers, async () => (await cli(['analytics', 'migrate', 'up'])).ms);
		log(`index migration (CONCURRENTLY): ${fmt(concurrent.result)} ms; writers max ${fmt(concurrent.stats.max)} ms`);
		await sleep(1_000);
		const plain = await during(writers, async () => {
			const started = performance.now();
			await db.raw('create index bench_plain_timestamp on directus_activity ("timestamp")');
			return performance.now() - started;
		});
		await db.raw('drop index bench_plain_timestamp');
		log(`plain CREATE INDEX: ${fmt(plain.result)} ms; writers max ${fmt(plain.stats.max)} ms`);

		await sleep(2_000);
		const beforeRetention = windowStats(writers.samples, Date.now() - 2_000, Date.now());
		const keepDays = String(Math.ceil((Date.now() - Date.parse(KEEP_FROM)) / 86_400_000));
		const retention = await during(
			writers,
			async () =>
				(await cli(['analytics', 'retention', '--days', keepDays, '--batch-size', '5000', '--archive-months', '0']))
					.value,
		);
		log(
			`retention: ${retention.result.activityArchived} rows archived in ${retention.result.durationMs} ms; writers p99 ${fmt(retention.stats.p99)} ms, max ${fmt(retention.stats.max)} ms`,
		);
		await writers.stop();
		if (writers.errors > 0) throw new Error(`${writers.errors} writer transaction(s) failed`);

		const perMillion = retention.result.durationMs / (retention.result.activityArchived / 1_000_000);
		Object.assign(results, {
			writersBaseline: baseline,
			indexConcurrently: { buildMs: concurrent.result, writers: concurrent.stats },
			indexPlain: { buildMs: plain.result, writers: plain.stats },
			retention: {
				report: retention.result,
				secondsPerMillion: perMillion / 1000,
				writersBefore: beforeRetention,
				writersDuring: retention.stats,
			},
		});
		const table = markdownTable(
			[
				'PostgreSQL, ' + rowsLabel + ' rows, ' + writerCount + ' writers',
				'duration',
				'writer p50 (ms)',
				'writer p99 (ms)',
				'longest writer wait (ms)',
			],
			[
				['writers alone', '—', fmt(baseline.p50), fmt(baseline.p99), fmt(baseline.max)],
				[
					'index migration (CREATE INDEX CONCURRENTLY)',
					`${fmt(concurrent.result)} ms`,
					fmt(concurrent.stats.p50),
					fmt(concurrent.stats.p99),
					fmt(concurrent.stats.max),
				],
				[
					'plain CREATE INDEX (reference)',
					`${fmt(plain.result)} ms`,
					fmt(plain.stats.p50),
					fmt(plain.stats.p99),
					fmt(plain.stats.max),
				],
				[
					`retention: ${retention.result.activityArchived} rows archived (${(perMillion / 1000).toFixed(1)} s per million)`,
					`${retention.result.durationMs} ms`,
					fmt(retention.stats.p50),
					fmt(retention.stats.p99),
					fmt(retention.stats.max),
				],
			],
		);
		process.stdout.write(`\n### Retention and index migration (${machineNote()})\n\n${table}\n\n`);
		writeFileSync(join(repoRoot, 'bench', 'results', `retention-${rowsLabel}.json`), JSON.stringify(results, null, 2));
	} finally {
		await db.destroy();
		await stopHost(NAME);
		await dropDatabase(env);
	}
}

await main();
