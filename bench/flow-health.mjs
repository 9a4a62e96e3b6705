// Flow health at 1M flow runs, side by side in one run on PostgreSQL + Redis against real Directus 12.4.0:
//   raw SQL over directus_activity joined to directus_revisions (each run's steps read from its JSON)
//   against GET /analytics/flows + /flows/operations + /flows/failures, uncached and cached,
// with every figure of the routes checked against that SQL first. Also what the flow step adds to a refresh:
// 10k new flow runs (with revisions) against 10k new rows of other activity.
// Usage: node scripts/host.mjs run-node bench/flow-health.mjs --runs 1M [--iterations 15]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGeneratorOptions } from '../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../scripts/demo-data/write-activity.mjs';
import { parseSize } from '../scripts/generate-activity.mjs';
import { openDatabase, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { benchEnv, END, request, TZ } from './lib/dashboard.mjs';
import { flag } from './lib/flags.mjs';
import { fmt, machineNote, markdownTable, percentile, timeIt } from './lib/stats.mjs';

const runs = parseSize(flag('runs', '1M'));
const iterations = Number(flag('iterations', '15'));
const name = `bench-flows-${runs}`;
const env = { ...benchEnv(runs), DB_DATABASE: `aa_bench_flows_${runs}`, CACHE_NAMESPACE: `aa_bench_flows_${runs}` };
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

const FLOWS = 40;
const DAYS = 30;
// A week ending at an odd minute, so the routes read whole rollup buckets and raw edges both.
const TO = new Date(Date.parse(END) - (6 * 60 + 37) * 60_000).toISOString();
const FROM = new Date(Date.parse(TO) - 7 * 86_400_000).toISOString();
const PREVIOUS_FROM = new Date(Date.parse(FROM) - 7 * 86_400_000).toISOString();
const OPERATION_TYPES = ['request', 'mail', 'exec', 'item-create', 'item-update'];
const TRIGGERS = ['webhook', 'event', 'schedule', 'operation', 'manual'];

/**
 * 40 inactive flows of two operations each, and `count` runs spread over 30 days: flows fail their second
 * step at 0 %, 5 % or 30 %, and every seventh flow keeps no revision (accountability `activity`).
 */
async function seed(db, count) {
	const { rows } = await db.raw('select gen_random_uuid() as id from generate_series(1, ?)', [FLOWS * 3]);
	const ids = rows.map((r) => r.id);
	const flows = Array.from({ length: FLOWS }, (_, i) => ({
		id: ids[i],
		name: `Bench flow ${i + 1}`,
		status: 'inactive',
		trigger: TRIGGERS[i % TRIGGERS.length],
		accountability: i % 7 === 6 ? 'activity' : 'all',
		options: '{}',
	}));
	await db('directus_flows').insert(flows);
	const operations = flows.flatMap((flow, i) => [
		{ id: ids[FLOWS + i], key: 'first', type: 'log', flow: flow.id, position_x: 19, position_y: 1, options: '{}' },
		{
			id: ids[2 * FLOWS + i],
			key: 'second',
			type: OPERATION_TYPES[i % OPERATION_TYPES.length],
			flow: flow.id,
			position_x: 37,
			position_y: 1,
			options: '{}',
		},
	]);
	await db('directus_operations').insert(operations);
	await db.raw('create temporary table bench_flows (n int, flow uuid, first uuid, second uuid, fail real, kept bool)');
	await db('bench_flows').insert(
		flows.map((flow, i) => ({
			n: i,
			flow: flow.id,
			first: ids[FLOWS + i],
			second: ids[2 * FLOWS + i],
			fail: i % 5 === 0 ? 0.3 : i % 5 === 1 ? 0.05 : 0,
			kept: flow.accountability === 'all',
		})),
	);
	const [{ last }] = await db('directus_activity').max({ last: 'id' });
	await db.raw('select setseed(0.42)');
	for (let done = 0; done < count; done += 200_000) {
		const size = Math.min(200_000, count - done);
		await db.raw(
			`insert into directus_activity (action, "timestamp", collection, item, origin)
			 select 'run', ?::timestamptz - interval '${DAYS} days' * (1 - (? + g)::float8 / ?), 'directus_flows',
			        (?::text[])[1 + floor(random() * ${FLOWS})::int], 'http://bench'
			 from generate_series(1, ?) g`,
			[END, done, count, `{${flows.map((f) => f.id).join(',')}}`, size],
		);
	}
	await db.raw(
		`insert into directus_revisions (activity, collection, item, data)
		 select a.id, 'directus_flows', a.item, json_build_object(
		   'steps', json_build_array(
		     json_build_object('operation', f.first, 'key', 'first', 'status', 'resolve', 'options', '{}'::json),
		     json_build_object('operation', f.second, 'key', 'second', 'status', case when x.fail then 'reject' else 'resolve' end, 'options', '{}'::json)),
		   'data', json_build_object('$trigger', '{}'::json, 'first', null,
		     'second', case when x.fail then json_build_object('message', 'Request failed with status code 503') end))
		 from directus_activity a join bench_flows f on f.flow::text = a.item
		 cross join lateral (select random() < f.fail as fail) x
		 where a.id > ? and f.kept`,
		[Number(last ?? 0)],
	);
	await db.raw('drop table bench_flows');
}

async function ensureDataset(db, url) {
	const [{ n }] = await db('directus_activity').where({ action: 'run' }).count({ n: '*' });
	if (Number(n) >= runs) log(`reusing ${Number(n).toLocaleString('en')} flow runs in ${env.DB_DATABASE}`);
	else {
		log(`generating ${runs.toLocaleString('en')} flow runs with their revisions into ${env.DB_DATABASE}`);
		const { ms } = await timeIt(() => seed(db, runs));
		log(`generated in ${(ms / 1000).toFixed(1)} s`);
	}
	// Planner statistics, as a live database has them: without, the revisions of a batch are read by a
	// sequential scan of the whole table.
	await db.raw('analyze');
	let absorbed = 0;
	const { ms } = await timeIt(async () => {
		for (;;) {
			const { body } = await request(url, '/analytics/refresh', { method: 'POST' });
			const result = JSON.parse(body).data;
			absorbed += result.rows;
			if (result.rows === 0) break;
		}
	});
	if (absorbed > 0) log(`rollups absorbed ${absorbed.toLocaleString('en')} rows in ${(ms / 1000).toFixed(1)} s`);
	await db.raw('analyze');
	return absorbed > 0 ? { rows: absorbed, ms } : null;
}

const OUTCOME = `case when r.data is null or json_typeof(r.data::json -> 'steps') is distinct from 'array' then 'unknown'
  when exists (select 1 from json_array_elements(r.data::json -> 'steps') s where s ->> 'status' is distinct from 'resolve') then 'failed'
  else 'succeeded' end`;

/** What the three routes answer, from the raw tables alone. */
async function rawSqlFlowHealth(db) {
	const perFlow = [];
	for (const [from, to] of [
		[FROM, TO],
		[PREVIOUS_FROM, FROM],
	]) {
		const { rows } = await db.raw(
			`select a.item as flow, count(*)::int as runs,
			   count(*) filter (where o.outcome = 'succeeded')::int as succeeded,
			   count(*) filter (where o.outcome = 'failed')::int as failed,
			   count(*) filter (where o.outcome = 'unknown')::int as unknown,
			   extract(epoch from date_trunc('second', max(a."timestamp") filter (where o.outcome = 'failed')))::bigint as last_failure
			 from directus_activity a left join directus_revisions r on r.activity = a.id
			 cross join lateral (select ${OUTCOME} as outcome) o
			 where a.action = 'run' and a.collection = 'directus_flows' and a."timestamp" >= ? and a."timestamp" < ?
			 group by a.item`,
			[from, to],
		);
		perFlow.push(rows);
	}
	const { rows: operations } = await db.raw(
		`select op.type, s ->> 'status' as status, count(*)::int as steps
		 from directus_activity a join directus_revisions r on r.activity = a.id
		 cross join lateral json_array_elements(case when json_typeof(r.data::json -> 'steps') = 'array' then r.data::json -> 'steps' else '[]'::json end) s
		 left join directus_operations op on op.id::text = s ->> 'operation'
		 where a.action = 'run' and a.collection = 'directus_flows' and a."timestamp" >= ? and a."timestamp" < ?
		 group by 1, 2`,
		[FROM, TO],
	);
	const { rows: failures } = await db.raw(
		`select a.id from directus_activity a join directus_revisions r on r.activity = a.id
		 cross join lateral (select ${OUTCOME} as outcome) o
		 where a.action = 'run' and a.collection = 'directus_flows' and a."timestamp" >= ? and a."timestamp" < ? and o.outcome = 'failed'
		 order by date_trunc('second', a."timestamp") desc, a.id desc limit 20`,
		[FROM, TO],
	);
	return { current: perFlow[0], previous: perFlow[1], operations, failures };
}

const qs = new URLSearchParams({ from: FROM, to: TO, tz: TZ }).toString();
const ROUTES = [
	['flows', `/analytics/flows?${qs}`],
	['operations', `/analytics/flows/operations?${qs}`],
	['failures', `/analytics/flows/failures?${qs}&limit=20`],
];

async function routes(url, uncached) {
	if (uncached) await request(url, '/analytics/cache', { method: 'DELETE' });
	const answers = {};
	for (const [label, path] of ROUTES) answers[label] = JSON.parse((await request(url, path)).body).data;
	return answers;
}

/** Every figure the routes give equals the raw SQL, or the bench stops: a fast wrong answer is no result. */
function checkAgainstSql(answers, raw) {
	const problems = [];
	const expectEqual = (what, got, want) => {
		if (JSON.stringify(got) !== JSON.stringify(want))
			problems.push(`${what}: got ${JSON.stringify(got)}, SQL ${JSON.stringify(want)}`);
	};
	const byFlow = new Map(answers.flows.flows.map((row) => [row.flow, row]));
	for (const [side, rows] of [
		['current', raw.current],
		['previous', raw.previous],
	])
		for (const row of rows) {
			const got = byFlow.get(row.flow);
			const figures = side === 'current' ? got : got?.previous;
			expectEqual(
				`${side} ${row.flow}`,
				figures && [figures.runs, figures.succeeded, figures.failed, figures.unknown],
				[row.runs, row.succeeded, row.failed, row.unknown],
			);
			if (side === 'current')
				expectEqual(
					`last failure ${row.flow}`,
					got?.lastFailureAt ?? null,
					row.last_failure === null ? null : Number(row.last_failure),
				);
		}
	expectEqual('flows answered', answers.flows.flows.filter((f) => f.runs > 0).length, raw.current.length);
	const types = new Map();
	for (const row of raw.operations) {
		const entry = types.get(row.type) ?? { resolve: 0, reject: 0 };
		entry[row.status] = (entry[row.status] ?? 0) + row.steps;
		types.set(row.type, entry);
	}
	for (const [type, counts] of types) {
		const got = answers.operations.rows.find((r) => r.operationType === type);
		expectEqual(`operation ${type}`, got && [got.resolve, got.reject], [counts.resolve, counts.reject]);
	}
	expectEqual(
		'latest failures',
		answers.failures.rows.map((r) => r.id),
		raw.failures.map((r) => Number(r.id)),
	);
	if (problems.length > 0) throw new Error(`the routes disagree with SQL:\n${problems.slice(0, 10).join('\n')}`);
}

async function measure(label, fn) {
	await fn();
	const samples = [];
	for (let i = 0; i < iterations; i++) samples.push((await timeIt(fn)).ms);
	log(`${label}: p50 ${fmt(percentile(samples, 50))} ms`);
	return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}

/** 10k new rows of each kind, stamped in the last 10 minutes, each refreshed alone, a few rounds. */
async function refreshCost(db, url) {
	const rounds = 3;
	const result = { flowRuns: [], otherActivity: [] };
	for (let round = 0; round < rounds; round++) {
		const [{ last }] = await db('directus_activity').max({ last: 'id' });
		await seedMoreRuns(db, 10_000);
		await db.raw(`update directus_activity set "timestamp" = now() - random() * interval '10 minutes' where id > ?`, [
			last,
		]);
		result.flowRuns.push(
			JSON.parse((await request(url, '/analytics/refresh', { method: 'POST' })).body).data.durationMs,
		);
		const [{ last: before }] = await db('directus_activity').max({ last: 'id' });
		await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 1, seed: 7 + round, end: END }));
		// Only other activity: the generator's own flow runs (2 %) become updates.
		await db('directus_activity')
			.where('id', '>', before)
			.andWhere({ action: 'run' })
			.update({ action: 'update', collection: 'orders' });
		await db.raw(`update directus_activity set "timestamp" = now() - random() * interval '10 minutes' where id > ?`, [
			before,
		]);
		result.otherActivity.push(
			JSON.parse((await request(url, '/analytics/refresh', { method: 'POST' })).body).data.durationMs,
		);
		log(
			`refresh round ${round + 1}: 10k flow runs ${result.flowRuns.at(-1)} ms, 10k other rows ${result.otherActivity.at(-1)} ms`,
		);
	}
	return {
		flowRunsMs: percentile(result.flowRuns, 50),
		otherActivityMs: percentile(result.otherActivity, 50),
		...result,
	};
}

/** More runs of the seeded flows, with revisions, as Directus would write them. */
async function seedMoreRuns(db, count) {
	const flows = await db('directus_flows')
		.where('name', 'like', 'Bench flow %')
		.orderBy('name')
		.select('id', 'accountability');
	const operations = await db('directus_operations')
		.whereIn(
			'flow',
			flows.map((f) => f.id),
		)
		.select('id', 'flow', 'key');
	const activity = Array.from({ length: count }, (_, i) => ({
		action: 'run',
		timestamp: new Date(),
		collection: 'directus_flows',
		item: flows[i % flows.length].id,
		origin: 'http://bench',
	}));
	for (let i = 0; i < activity.length; i += 2000) {
		const inserted = await db('directus_activity')
			.insert(activity.slice(i, i + 2000))
			.returning(['id', 'item']);
		const revisions = inserted
			.filter((row) => flows.find((f) => f.id === row.item)?.accountability === 'all')
			.map((row, j) => {
				const steps = operations.filter((o) => o.flow === row.item).sort((a, b) => a.key.localeCompare(b.key));
				const fail = j % 10 === 0;
				return {
					activity: row.id,
					collection: 'directus_flows',
					item: row.item,
					data: JSON.stringify({
						steps: steps.map((o) => ({
							operation: o.id,
							key: o.key,
							status: fail && o.key === 'second' ? 'reject' : 'resolve',
							options: {},
						})),
						data: {
							$trigger: {},
							first: null,
							second: fail ? { message: 'Request failed with status code 503' } : null,
						},
					}),
				};
			});
		if (revisions.length > 0) await db('directus_revisions').insert(revisions);
	}
}

async function main() {
	log(`flow health at ${runs.toLocaleString('en')} flow runs, ${iterations} iterations, ${machineNote()}`);
	const host = await startHost({ name, port: 18310, env });
	const db = openDatabase(host.env);
	try {
		const backfill = await ensureDataset(db, host.url);
		const [{ n }] = await db('directus_activity')
			.where({ action: 'run' })
			.andWhere('timestamp', '>=', FROM)
			.andWhere('timestamp', '<', TO)
			.count({ n: '*' });
		log(`${Number(n).toLocaleString('en')} runs in the measured week`);
		checkAgainstSql(await routes(host.url, true), await rawSqlFlowHealth(db));
		log('every figure of the three routes equals the raw SQL');
		const results = {
			rawSql: await measure('raw SQL', () => rawSqlFlowHealth(db)),
			uncached: await measure('/analytics/flows* uncached', () => routes(host.url, true)),
			cached: await measure('/analytics/flows* cached', () => routes(host.url, false)),
		};
		const refresh = await refreshCost(db, host.url);
		const x = (a, b) => `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`;
		const table = markdownTable(
			[
				`flow health at ${runs.toLocaleString('en')} runs (a week of ${Number(n).toLocaleString('en')})`,
				'p50 ms',
				'p95 ms',
				'vs raw SQL (p50)',
			],
			[
				['raw SQL over activity + revisions (JSON steps)', fmt(results.rawSql.p50), fmt(results.rawSql.p95), '1.0×'],
				[
					'/analytics/flows + operations + failures, uncached',
					fmt(results.uncached.p50),
					fmt(results.uncached.p95),
					x(results.rawSql.p50, results.uncached.p50),
				],
				[
					'the same, cached',
					fmt(results.cached.p50),
					fmt(results.cached.p95),
					x(results.rawSql.p50, results.cached.p50),
				],
			],
		);
		const refreshTable = markdownTable(
			['incremental refresh, 10k new rows in the last 10 minutes', 'p50 ms', 'ratio'],
			[
				[`other activity (${refresh.otherActivity.map(fmt).join(', ')})`, fmt(refresh.otherActivityMs), '1.0×'],
				[
					`flow runs with their revisions (${refresh.flowRuns.map(fmt).join(', ')})`,
					fmt(refresh.flowRunsMs),
					x(refresh.flowRunsMs, refresh.otherActivityMs),
				],
			],
		);
		const backfillNote = backfill
			? `\nFirst absorption of the dataset: ${backfill.rows.toLocaleString('en')} rows in ${(backfill.ms / 1000).toFixed(1)} s.\n`
			: '';
		process.stdout.write(`\n${table}\n\n${refreshTable}\n${backfillNote}\nMachine: ${machineNote()}\n`);
		const file = join(repoRoot, 'bench', 'results', `flow-health-${runs}.json`);
		writeFileSync(
			file,
			JSON.stringify(
				{
					runs,
					weekRuns: Number(n),
					iterations,
					machine: machineNote(),
					window: { from: FROM, to: TO, tz: TZ },
					results,
					refresh,
					backfill,
					at: new Date().toISOString(),
				},
				null,
				2,
			),
		);
		log(`wrote ${file}`);
	} finally {
		await db.destroy();
		await stopHost(name);
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
