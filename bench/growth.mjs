// Growth of the uncached dashboard from 1M to 10M rows, measured side by side: two hosts, one on each bench
// database, and the dashboard alternating between them round by round (ABBA order), so that a slow spell of
// the machine falls on both sizes alike. Reports each size's p50 and p95, their ratio, and the median of the
// per-round ratios. The datasets are the read-path bench's: run it at both sizes first.
// Usage: node scripts/host.mjs run-node bench/growth.mjs [--iterations 21]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { analyticsDashboard, benchEnv, END } from './lib/dashboard.mjs';
import { fmt, machineNote, markdownTable, percentile, timeIt } from './lib/stats.mjs';

const args = process.argv.slice(2);
const iterations = Number(args.includes('--iterations') ? args[args.indexOf('--iterations') + 1] : '21');
const SIZES = [
	{ label: '1M', rows: 1_000_000, port: 18301 },
	{ label: '10M', rows: 10_000_000, port: 18302 },
];
const log = (message) => process.stderr.write(`[growth] ${message}\n`);

/** The database must hold the read-path bench's dataset as it stands today, rolled up. */
async function checkDataset(host, size) {
	const db = openDatabase(host.env);
	try {
		const [{ n, newest }] = await db('directus_activity').select(db.raw('count(*) as n, max("timestamp") as newest'));
		const [state] = await db('activity_analytics_state').where({ key: 'rollup' }).select('watermark');
		const [{ top }] = await db('directus_activity').max({ top: 'id' });
		if (Number(n) < size.rows || !newest || Math.abs(new Date(newest).getTime() - Date.parse(END)) > 86_400_000 || Number(state?.watermark) < Number(top)) {
			throw new Error(`aa_bench_${size.rows} does not hold today's rolled-up ${size.label} dataset: run bench/read-path.mjs --rows ${size.label} first`);
		}
	} finally {
		await db.destroy();
	}
}

async function main() {
	log(`${iterations} rounds, ${machineNote()}`);
	const hosts = [];
	try {
		for (const size of SIZES) {
			const host = await startHost({ name: `growth-${size.label}`, port: size.port, env: benchEnv(size.rows) });
			hosts.push({ size, host });
			await checkDataset(host, size);
		}
		const dashboard = (url) => timeIt(() => analyticsDashboard(url, { uncached: true }));
		for (const { host } of hosts) for (let i = 0; i < 2; i++) await dashboard(host.url);
		const samples = new Map(SIZES.map((size) => [size.label, []]));
		const ratios = [];
		for (let round = 0; round < iterations; round++) {
			const order = round % 2 === 0 ? hosts : [...hosts].reverse();
			const times = {};
			for (const { size, host } of order) times[size.label] = (await dashboard(host.url)).ms;
			for (const size of SIZES) samples.get(size.label).push(times[size.label]);
			ratios.push(times['10M'] / times['1M']);
		}
		const p = (label, q) => percentile(samples.get(label), q);
		const growth = p('10M', 50) / p('1M', 50);
		const pairedGrowth = percentile(ratios, 50);
		const table = markdownTable(
			['uncached dashboard, alternating rounds', 'p50 ms', 'p95 ms'],
			SIZES.map((size) => [`${size.label} rows`, fmt(p(size.label, 50)), fmt(p(size.label, 95))]),
		);
		process.stdout.write(`\n${table}\n\nGrowth 1M → 10M: ${growth.toFixed(2)}× (p50 over p50); median of the ${iterations} per-round ratios ${pairedGrowth.toFixed(2)}×\n\nMachine: ${machineNote()}\n`);
		const file = join(repoRoot, 'bench', 'results', 'growth.json');
		const results = Object.fromEntries(SIZES.map((size) => [size.label, { p50: p(size.label, 50), p95: p(size.label, 95), samples: samples.get(size.label) }]));
		writeFileSync(file, JSON.stringify({ iterations, machine: machineNote(), results, growth, pairedGrowth, ratios, at: new Date().toISOString() }, null, 2));
		log(`wrote ${file}`);
	} finally {
		for (const { size } of hosts) await stopHost(`growth-${size.label}`);
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
