// The dashboard the read-path benchmarks measure, shared by read-path.mjs and growth.mjs: its window, the
// host settings of a bench database, and the four /analytics routes of the default panel.
import { DEMO_ADMIN } from '../../scripts/host.mjs';
import { timeIt } from './stats.mjs';

// The dataset ends at today's UTC midnight: Directus 12's Core license shows only the last 30 days of activity
// through its API (entitlement activity_historical_timeframe), so an older window would give /activity less to do.
export const END = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString();
export const TO = new Date(Date.parse(END) - (6 * 60 + 37) * 60_000).toISOString();
export const FROM = new Date(Date.parse(TO) - 7 * 86_400_000).toISOString();
export const TZ = 'Europe/Berlin';

/** The host settings of the bench database holding `rows` generated rows. */
export function benchEnv(rows) {
	return {
		DB_CLIENT: 'pg',
		DB_HOST: process.env.BENCH_PG_HOST ?? '127.0.0.1',
		DB_PORT: '5432',
		DB_USER: 'postgres',
		DB_DATABASE: `aa_bench_${rows}`,
		REDIS: process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379',
		// Directus's own response cache off, so /activity is measured uncached too; our cache still uses REDIS.
		CACHE_ENABLED: 'false',
		CACHE_NAMESPACE: `aa_bench_${rows}`,
		LOG_LEVEL: 'warn',
		// Directus answers 503 "Under pressure" when its event loop lags, which a 10M-row /activity aggregate on two
		// cores can make it do: a bench measures the answer, not the limiter.
		PRESSURE_LIMITER_ENABLED: 'false',
		ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
		ACTIVITY_ANALYTICS_STATEMENT_TIMEOUT_MS: '600000',
		ACTIVITY_ANALYTICS_SLOW_QUERY_MS: '600000',
	};
}

export async function request(url, path, init = {}) {
	const response = await fetch(`${url}${path}`, {
		...init,
		headers: { authorization: `Bearer ${DEMO_ADMIN.token}`, ...(init.headers ?? {}) },
	});
	const body = await response.text();
	if (!response.ok) throw new Error(`${path} answered ${response.status}: ${body.slice(0, 200)}`);
	const header = response.headers.get('server-timing') ?? '';
	const timing = (name) => Number(new RegExp(`${name};[^,]*dur=([\\d.]+)`).exec(header)?.[1] ?? NaN);
	return { body, cache: response.headers.get('x-cache'), dbMs: timing('db'), serverMs: timing('total') };
}

const qs = (params) => new URLSearchParams({ from: FROM, to: TO, tz: TZ, ...params }).toString();
export const DASHBOARD = [
	['overview', `/analytics/overview?${qs({})}`],
	['timeseries', `/analytics/timeseries?${qs({ interval: 'hour' })}`],
	['breakdown collection', `/analytics/breakdown?${qs({ by: 'collection' })}`],
	['top 10 IPs', `/analytics/breakdown?${qs({ by: 'ip', limit: '10' })}`],
];

/** The four routes one after another (the cache cleared first when `uncached`), with each route's timings. */
export async function analyticsDashboard(url, { uncached }) {
	if (uncached) await request(url, '/analytics/cache', { method: 'DELETE' });
	const perRoute = {};
	let total = 0;
	for (const [label, path] of DASHBOARD) {
		const { ms, value } = await timeIt(() => request(url, path));
		total += ms;
		perRoute[label] = { ms, dbMs: value.dbMs, serverMs: value.serverMs, cache: value.cache };
	}
	return { total, perRoute };
}

/** Throws unless `db` holds the read-path bench's dataset of `rows` rows as it stands today, rolled up. */
export async function assertRolledUpDataset(db, rows, label = rows.toLocaleString('en')) {
	const [{ n, newest }] = await db('directus_activity').select(db.raw('count(*) as n, max("timestamp") as newest'));
	const [state] = await db('activity_analytics_state').where({ key: 'rollup' }).select('watermark');
	const [{ top }] = await db('directus_activity').max({ top: 'id' });
	if (
		Number(n) < rows ||
		!newest ||
		Math.abs(new Date(newest).getTime() - Date.parse(END)) > 86_400_000 ||
		Number(state?.watermark) < Number(top)
	)
		throw new Error(
			`aa_bench_${rows} does not hold today's rolled-up ${label} dataset: run bench/read-path.mjs --rows ${label} first`,
		);
}
