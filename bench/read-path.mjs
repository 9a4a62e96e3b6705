// Read path: a full dashboard (overview + hourly series for 7 days + breakdown by collection + top 10 IPs),
// measured side by side in one run on PostgreSQL + Redis against real Directus 12.4.0:
//   raw SQL on the indexed directus_activity | Directus's /activity aggregate API | /analytics uncached | /analytics cached
// plus the cost of an incremental refresh after 10k new rows (stamped in the last 10 minutes, and spread over the
// last day) against REFRESH MATERIALIZED VIEW of an hourly view, and of the once-a-day close of a day.
// Usage: node scripts/host.mjs run-node bench/read-path.mjs --rows 1M [--iterations 15]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGeneratorOptions } from '../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../scripts/demo-data/write-activity.mjs';
import { parseSize } from '../scripts/generate-activity.mjs';
import { dropDatabase, openDatabase, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { analyticsDashboard, benchEnv, DASHBOARD, END, FROM, request, TO, TZ } from './lib/dashboard.mjs';
import { fmt, machineNote, markdownTable, measureRuns, percentile, timeIt } from './lib/stats.mjs';
import { flag } from './lib/flags.mjs';

const rows = parseSize(flag('rows', '1M'));
const iterations = Number(flag('iterations', '15'));
const env = benchEnv(rows);
const name = `bench-${rows}`;
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

async function ensureDataset(db, url) {
	const [{ n }] = await db('directus_activity').count({ n: '*' });
	if (Number(n) >= rows) {
		log(`reusing ${Number(n).toLocaleString('en')} rows in ${env.DB_DATABASE}`);
	} else {
		log(`generating ${rows.toLocaleString('en')} rows into ${env.DB_DATABASE}`);
		const generated = await loadActivity(db, parseGeneratorOptions({ rows, days: 90, seed: 42, end: END }));
		log(
			`generated in ${generated.seconds.toFixed(1)} s (${Math.round(generated.rows / generated.seconds).toLocaleString('en')} rows/s)`,
		);
		// Fresh statistics first: the refresh's plans over a never-analyzed table took 4.5× longer.
		await db.raw('analyze directus_activity');
	}
	for (;;) {
		const { body } = await request(url, '/analytics/refresh', { method: 'POST' });
		const result = JSON.parse(body).data;
		if (result.rows > 0)
			log(`rollups absorbed ${result.rows.toLocaleString('en')} rows in ${(result.durationMs / 1000).toFixed(1)} s`);
		if (result.rows === 0) break;
	}
	// The steady state of a database with autovacuum on (PostgreSQL's default; this machine's server has it off):
	// statistics, and the visibility map that lets the rollups' covering indexes answer without the table.
	await db.raw('vacuum (analyze)');
}

async function rawSqlDashboard(db) {
	const from = FROM;
	const to = TO;
	const length = Date.parse(TO) - Date.parse(FROM);
	const prevFrom = new Date(Date.parse(FROM) - length).toISOString();
	for (const [a, b] of [
		[from, to],
		[prevFrom, from],
	]) {
		await db.raw(
			'select count(*), count(distinct "user"), count(distinct ip) from directus_activity where "timestamp" >= ? and "timestamp" < ?',
			[a, b],
		);
		await db.raw(
			'select action, count(*) from directus_activity where "timestamp" >= ? and "timestamp" < ? group by action',
			[a, b],
		);
	}
	await db.raw(
		`select date_trunc('hour', "timestamp" at time zone ?) as h, count(*), count(distinct "user") from directus_activity where "timestamp" >= ? and "timestamp" < ? group by 1 order by 1`,
		[TZ, from, to],
	);
	await db.raw(
		'select collection, count(*) as n, count(distinct "user"), count(distinct ip) from directus_activity where "timestamp" >= ? and "timestamp" < ? group by collection order by n desc limit 10',
		[from, to],
	);
	await db.raw(
		'select ip, count(*) as n, count(distinct "user") from directus_activity where "timestamp" >= ? and "timestamp" < ? group by ip order by n desc limit 10',
		[from, to],
	);
}

async function directusActivityDashboard(url) {
	const range = `filter[timestamp][_gte]=${FROM}&filter[timestamp][_lt]=${TO}`;
	await request(url, `/activity?aggregate[count]=id&aggregate[countDistinct]=user,ip&${range}`);
	await request(url, `/activity?aggregate[count]=id&groupBy[]=action&${range}`);
	// Directus groups by hour in UTC only; the closest it offers.
	await request(
		url,
		`/activity?aggregate[count]=id&groupBy[]=day(timestamp)&groupBy[]=hour(timestamp)&${range}&limit=-1`,
	);
	await request(
		url,
		`/activity?aggregate[count]=id&aggregate[countDistinct]=user,ip&groupBy[]=collection&${range}&limit=-1`,
	);
	await request(url, `/activity?aggregate[count]=id&aggregate[countDistinct]=user&groupBy[]=ip&${range}&limit=-1`);
}

const measure = (label, fn) => measureRuns(label, fn, iterations, log);

const REFRESH_ROUNDS = 4;
const PER_MEMBER_TABLES = [
	'activity_analytics_rollup_ip_users',
	'activity_analytics_rollup_user_dims',
	'activity_analytics_rollup_ip_dims',
];

/** Loads 10k rows over the dataset's last day; `recent` restamps them into the last 10 minutes, as a scheduled refresh meets them. */
async function loadNewRows(db, round, recent) {
	const [{ last }] = await db('directus_activity').max({ last: 'id' });
	await loadActivity(
		db,
		parseGeneratorOptions({ rows: 10_000, days: 1, seed: (Date.now() + round) % 100000, end: END }),
	);
	if (recent)
		await db.raw(`update directus_activity set "timestamp" = now() - random() * interval '10 minutes' where id > ?`, [
			last,
		]);
}

async function refreshRounds(db, url, recent) {
	const samples = [];
	let rows = 0;
	for (let round = 0; round < REFRESH_ROUNDS; round++) {
		await loadNewRows(db, round, recent);
		const { value } = await timeIt(() => request(url, '/analytics/refresh', { method: 'POST' }));
		const refreshed = JSON.parse(value.body).data;
		samples.push(refreshed.durationMs);
		rows = refreshed.rows;
		log(
			`refresh (${recent ? 'rows of the last 10 minutes' : 'rows over the last day'}) round ${round + 1}: ${refreshed.rows} rows in ${refreshed.durationMs} ms`,
		);
	}
	return { ms: percentile(samples, 50), samples, rows };
}

/**
 * Full REFRESH MATERIALIZED VIEW of an hourly view, against our refresh after 10k new rows (stamped in the
 * last 10 minutes, and spread over the last day), each a few times; and the once-a-day close of a day.
 */
async function refreshCost(db, url) {
	await db.raw('drop materialized view if exists mv_activity_hourly');
	await db.raw(
		`create materialized view mv_activity_hourly as select date_trunc('hour', "timestamp") as hour, collection, action, count(*) as events, count(distinct "user") as users from directus_activity group by 1, 2, 3`,
	);
	await db.raw('create unique index on mv_activity_hourly (hour, collection, action)');
	const full = [];
	for (let i = 0; i < 2; i++)
		full.push((await timeIt(() => db.raw('refresh materialized view mv_activity_hourly'))).ms);
	await db.raw('drop materialized view mv_activity_hourly');
	const recent = await refreshRounds(db, url, true);
	const lastDay = await refreshRounds(db, url, false);
	// The dataset's last day as it stood had no refresh run since its last hour began: that hour open (no
	// per-member rows), the day open (hours only). The next refresh closes both, the hour from the raw rows.
	const [state] = await db('activity_analytics_state')
		.where({ key: 'rollup' })
		.select('days_closed_before', 'hours_closed_before');
	const end = Date.parse(END) / 1000;
	const day = end - 86_400;
	const hour = end - 3_600;
	for (const table of PER_MEMBER_TABLES) {
		await db(table)
			.where({ grain: 'd' })
			.andWhere('bucket', '>=', day)
			.andWhere('bucket', '<', Number(state.days_closed_before))
			.delete();
		await db(table)
			.where({ grain: 'h' })
			.andWhere('bucket', '>=', hour)
			.andWhere('bucket', '<', Number(state.hours_closed_before))
			.delete();
	}
	await db('activity_analytics_state')
		.where({ key: 'rollup' })
		.update({ days_closed_before: day, hours_closed_before: hour });
	const count = async (from, to) =>
		Number(
			(
				await db('directus_activity')
					.where('timestamp', '>=', new Date(from * 1000).toISOString())
					.andWhere('timestamp', '<', new Date(to * 1000).toISOString())
					.count({ n: '*' })
			)[0].n,
		);
	const hourRows = await count(hour, Math.floor(Date.now() / 3_600_000) * 3_600);
	const dayRows = await count(day, end);
	const { value } = await timeIt(() => request(url, '/analytics/refresh', { method: 'POST' }));
	const closed = JSON.parse(value.body).data;
	const close = { ms: closed.durationMs, hourMs: closed.closeMs.hours, dayMs: closed.closeMs.days, hourRows, dayRows };
	log(
		`closing an hour of ${hourRows} rows (${close.hourMs} ms) and a day of ${dayRows} rows (${close.dayMs} ms): ${close.ms} ms in all`,
	);
	return { fullMaterializedViewMs: percentile(full, 50), fullSamples: full, recent, lastDay, close };
}

/** Directus's /activity must see the whole window, or the comparison would flatter it. */
async function checkDirectusSeesWindow(db, url) {
	const [{ n }] = await db('directus_activity')
		.where('timestamp', '>=', FROM)
		.andWhere('timestamp', '<', TO)
		.count({ n: '*' });
	const { body } = await request(
		url,
		`/activity?aggregate[count]=id&filter[timestamp][_gte]=${FROM}&filter[timestamp][_lt]=${TO}`,
	);
	const seen = Number(JSON.parse(body).data[0].count.id);
	if (seen !== Number(n)) throw new Error(`Directus /activity counts ${seen} rows in the window, the table ${n}`);
}

async function main() {
	log(`read path at ${rows.toLocaleString('en')} rows, ${iterations} iterations, ${machineNote()}`);
	let host = await startHost({ name, port: 18300, env });
	let db = openDatabase(host.env);
	const [{ newest }] = await db('directus_activity').max({ newest: 'timestamp' });
	if (newest && Math.abs(new Date(newest).getTime() - Date.parse(END)) > 86_400_000) {
		log(`the stored dataset ends ${new Date(newest).toISOString()}, not ${END}: generating it again`);
		await db.destroy();
		await stopHost(name);
		await dropDatabase(host.env);
		host = await startHost({ name, port: 18300, env });
		db = openDatabase(host.env);
	}
	try {
		await ensureDataset(db, host.url);
		await checkDirectusSeesWindow(db, host.url);
		const results = {
			rawSql: await measure('raw SQL', () => rawSqlDashboard(db)),
			directusActivity: await measure('Directus /activity', () => directusActivityDashboard(host.url)),
		};
		const uncachedRoutes = [];
		results.analyticsUncached = await measure('/analytics uncached', async () =>
			uncachedRoutes.push((await analyticsDashboard(host.url, { uncached: true })).perRoute),
		);
		const cachedRoutes = [];
		results.analyticsCached = await measure('/analytics cached', async () =>
			cachedRoutes.push((await analyticsDashboard(host.url, { uncached: false })).perRoute),
		);
		const perRoute = Object.fromEntries(
			DASHBOARD.map(([label]) => [
				label,
				{
					uncachedP50: percentile(
						uncachedRoutes.map((r) => r[label].ms),
						50,
					),
					uncachedDbP50: percentile(
						uncachedRoutes.map((r) => r[label].dbMs),
						50,
					),
					uncachedServerP50: percentile(
						uncachedRoutes.map((r) => r[label].serverMs),
						50,
					),
					cachedP50: percentile(
						cachedRoutes.map((r) => r[label].ms),
						50,
					),
					cachedServerP50: percentile(
						cachedRoutes.map((r) => r[label].serverMs),
						50,
					),
				},
			]),
		);
		const refresh = await refreshCost(db, host.url);
		const table = markdownTable(
			['dashboard at ' + rows.toLocaleString('en') + ' rows', 'p50 ms', 'p95 ms', 'vs raw SQL (p50)'],
			[
				['raw SQL, indexed directus_activity', fmt(results.rawSql.p50), fmt(results.rawSql.p95), '1.0×'],
				[
					'Directus /activity aggregate API',
					fmt(results.directusActivity.p50),
					fmt(results.directusActivity.p95),
					`${(results.rawSql.p50 / results.directusActivity.p50).toFixed(2)}×`,
				],
				[
					'/analytics, uncached',
					fmt(results.analyticsUncached.p50),
					fmt(results.analyticsUncached.p95),
					`${(results.rawSql.p50 / results.analyticsUncached.p50).toFixed(1)}×`,
				],
				[
					'/analytics, cached',
					fmt(results.analyticsCached.p50),
					fmt(results.analyticsCached.p95),
					`${(results.rawSql.p50 / results.analyticsCached.p50).toFixed(0)}×`,
				],
			],
		);
		const routes = markdownTable(
			['route', 'uncached p50 ms: client', 'db', 'our handler', 'cached p50 ms: client', 'our handler'],
			Object.entries(perRoute).map(([label, r]) => [
				label,
				fmt(r.uncachedP50),
				fmt(r.uncachedDbP50),
				fmt(r.uncachedServerP50),
				fmt(r.cachedP50),
				fmt(r.cachedServerP50),
			]),
		);
		const refreshRow = (label, r) => [
			`incremental refresh after ${r.rows.toLocaleString('en')} new rows ${label}, p50 of ${r.samples.length} (${r.samples.map(fmt).join(', ')})`,
			fmt(r.ms),
			`${(refresh.fullMaterializedViewMs / r.ms).toFixed(1)}× cheaper`,
		];
		const refreshTable = markdownTable(
			['refresh at ' + rows.toLocaleString('en') + ' rows', 'ms', 'ratio'],
			[
				[
					`REFRESH MATERIALIZED VIEW (hourly, full), p50 of ${refresh.fullSamples.length}`,
					fmt(refresh.fullMaterializedViewMs),
					'1.0×',
				],
				refreshRow('stamped in the last 10 minutes (what a scheduled refresh meets)', refresh.recent),
				refreshRow('spread over the last day (late or back-dated rows)', refresh.lastDay),
				[
					`closing an hour of ${refresh.close.hourRows.toLocaleString('en')} rows (once an hour: its per-member hour rows from the raw rows)`,
					fmt(refresh.close.hourMs),
					`${(refresh.fullMaterializedViewMs / refresh.close.hourMs).toFixed(1)}× cheaper`,
				],
				[
					`closing a day of ${refresh.close.dayRows.toLocaleString('en')} rows (once a day: its per-member day rows from its hours)`,
					fmt(refresh.close.dayMs),
					`${(refresh.fullMaterializedViewMs / refresh.close.dayMs).toFixed(1)}× cheaper`,
				],
				[
					`the refresh that closed both, in all`,
					fmt(refresh.close.ms),
					`${(refresh.fullMaterializedViewMs / refresh.close.ms).toFixed(1)}× cheaper`,
				],
			],
		);
		process.stdout.write(`\n${table}\n\n${routes}\n\n${refreshTable}\n\nMachine: ${machineNote()}\n`);
		const file = join(repoRoot, 'bench', 'results', `read-path-${rows}.json`);
		writeFileSync(
			file,
			JSON.stringify(
				{
					rows,
					iterations,
					machine: machineNote(),
					window: { from: FROM, to: TO, tz: TZ },
					results,
					perRoute,
					refresh,
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
