// Growth of the uncached dashboard from 1M to 10M rows, measured side by side: two hosts, one on each bench
// database, taking turns in blocks (ABBA order), so that a slow spell of the machine falls on both sizes
// alike. Each block starts with warm-up rounds it leaves out: the two databases share PostgreSQL's buffers,
// and a round right after the other size's would find its pages evicted, which a single deployment never
// sees. Reports each size's p50 and p95, their ratio, and the median of the per-block ratios. The datasets are
// the read-path bench's: run it at both sizes first.
// Usage: node scripts/host.mjs run-node bench/growth.mjs [--blocks 8] [--rounds 5]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { analyticsDashboard, assertRolledUpDataset, benchEnv } from './lib/dashboard.mjs';
import { fmt, machineNote, markdownTable, percentile, timeIt } from './lib/stats.mjs';
import { flag } from './lib/flags.mjs';

const blocks = Number(flag('blocks', '8'));
const rounds = Number(flag('rounds', '5'));
const WARM_UP = 3;
const SIZES = [
	{ label: '1M', rows: 1_000_000, port: 18301 },
	{ label: '10M', rows: 10_000_000, port: 18302 },
];
const log = (message) => process.stderr.write(`[growth] ${message}\n`);

/** The database must hold the read-path bench's dataset as it stands today, rolled up. */
async function checkDataset(host, size) {
	const db = openDatabase(host.env);
	try {
		await assertRolledUpDataset(db, size.rows, size.label);
	} finally {
		await db.destroy();
	}
}

async function main() {
	log(`${blocks} blocks of ${WARM_UP} + ${rounds} rounds per size, ${machineNote()}`);
	const hosts = [];
	try {
		for (const size of SIZES) {
			const host = await startHost({ name: `growth-${size.label}`, port: size.port, env: benchEnv(size.rows) });
			hosts.push({ size, host });
			await checkDataset(host, size);
		}
		const dashboard = async (url) => (await timeIt(() => analyticsDashboard(url, { uncached: true }))).ms;
		const samples = new Map(SIZES.map((size) => [size.label, []]));
		const ratios = [];
		for (let block = 0; block < blocks; block++) {
			const order = block % 2 === 0 ? hosts : [...hosts].reverse();
			const blockP50 = {};
			for (const { size, host } of order) {
				for (let i = 0; i < WARM_UP; i++) await dashboard(host.url);
				const measured = [];
				for (let i = 0; i < rounds; i++) measured.push(await dashboard(host.url));
				samples.get(size.label).push(...measured);
				blockP50[size.label] = percentile(measured, 50);
			}
			ratios.push(blockP50['10M'] / blockP50['1M']);
			log(
				`block ${block + 1}: 1M ${fmt(blockP50['1M'])} ms, 10M ${fmt(blockP50['10M'])} ms, ${ratios[ratios.length - 1].toFixed(2)}×`,
			);
		}
		const p = (label, q) => percentile(samples.get(label), q);
		const growth = p('10M', 50) / p('1M', 50);
		const pairedGrowth = percentile(ratios, 50);
		const table = markdownTable(
			['uncached dashboard, sizes taking turns in blocks', 'p50 ms', 'p95 ms'],
			SIZES.map((size) => [`${size.label} rows`, fmt(p(size.label, 50)), fmt(p(size.label, 95))]),
		);
		process.stdout.write(
			`\n${table}\n\nGrowth 1M → 10M: ${growth.toFixed(2)}× (p50 over p50); median of the ${blocks} per-block ratios ${pairedGrowth.toFixed(2)}×\n\nMachine: ${machineNote()}\n`,
		);
		const file = join(repoRoot, 'bench', 'results', 'growth.json');
		const results = Object.fromEntries(
			SIZES.map((size) => [
				size.label,
				{ p50: p(size.label, 50), p95: p(size.label, 95), samples: samples.get(size.label) },
			]),
		);
		writeFileSync(
			file,
			JSON.stringify(
				{
					blocks,
					rounds,
					warmUp: WARM_UP,
					machine: machineNote(),
					results,
					growth,
					pairedGrowth,
					ratios,
					at: new Date().toISOString(),
				},
				null,
				2,
			),
		);
		log(`wrote ${file}`);
	} finally {
		for (const { size } of hosts) await stopHost(`growth-${size.label}`);
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
