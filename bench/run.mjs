// `npm run bench`: every benchmark suite, side by side in one run, then one Markdown table of the ratios.
//   npm run bench            quick mode: write path (200k events), spool cost, read path, suspicious and retention on 1M rows, flow health
//                            at 1M runs, 2-minute soak
//   npm run bench -- --full  full mode: write path (1M events), read path and retention on 1M and 10M rows, their growth
//                            (sizes alternating), 10-minute soak
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machineNote, markdownTable } from './lib/stats.mjs';

const full = process.argv.includes('--full');
// --summary-only: print the table from the result files already in bench/results/, running nothing.
const summaryOnly = process.argv.includes('--summary-only');
const sizes = full ? ['1M', '10M'] : ['1M'];
const soakMinutes = full ? '10' : '2';
const sizesForSummary = summaryOnly ? ['1M', '10M'] : sizes;
const started = Date.now();
const results = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
const suite = (script, args) =>
	spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: 'inherit' })
		.status === 0;

const outcomes = [];
if (!summaryOnly) {
	outcomes.push(suite('./write-path.mjs', ['--events', full ? '1000000' : '200000']));
	outcomes.push(suite('./spool-cost.mjs', []));
	for (const rows of sizes) {
		outcomes.push(suite('./read-path.mjs', ['--rows', rows]));
		outcomes.push(suite('./suspicious.mjs', ['--rows', rows]));
	}
	if (full) outcomes.push(suite('./growth.mjs', []));
	for (const rows of sizes) outcomes.push(suite('./retention.mjs', ['--rows', rows]));
	outcomes.push(suite('./flow-health.mjs', ['--runs', '1M']));
	outcomes.push(suite('./soak.mjs', ['--minutes', soakMinutes]));
}

/** A result file this run wrote, or null. */
function fresh(name) {
	const file = join(results, name);
	if (!existsSync(file) || (!summaryOnly && statSync(file).mtimeMs < started)) return null;
	return JSON.parse(readFileSync(file, 'utf8'));
}
const x = (a, b) => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`;
const rows = [];
const write = fresh('write-path.json');
if (write) {
	const s = write.stats;
	rows.push([
		'write path',
		'single item writes: writer vs native accountability (req/s)',
		x(s.writer.rps, s.native.rps),
	]);
	rows.push(['write path', 'bulk 1,000 items: writer vs native (speed)', x(s.native.bulkP50, s.writer.bulkP50)]);
	rows.push([
		'write path',
		'bulk: writer after the trigger swap vs 20 audit triggers',
		x(s.triggers.bulkP50, s.swapped.bulkP50),
	]);
	rows.push([
		'write path',
		'writer drain into PostgreSQL',
		`${Math.round(write.throughput.drainEventsPerSecond).toLocaleString('en')} events/s (${x(write.throughput.drainEventsPerSecond, write.copy.rowsPerSecond)} of raw COPY)`,
	]);
}
const spool = fresh('spool-cost.json');
if (spool) {
	const s = spool.stats;
	rows.push([
		'spool',
		'single writes with the spool vs the memory queue alone, each against its own host bound (req/s)',
		x(s.spool.rps / s.none.rps, s.memory.rps / s.noneOther.rps),
	]);
	rows.push([
		'spool',
		'bulk 1,000 items with the spool vs no accountability (speed)',
		x(s.none.bulkP50, s.spool.bulkP50),
	]);
	rows.push([
		'spool',
		'group commit',
		`${(spool.eventsCaptured / spool.spoolCommits).toFixed(1)} events per fdatasync`,
	]);
}
for (const size of sizesForSummary) {
	const read = fresh(`read-path-${Number(size.replace('M', '')) * 1_000_000}.json`);
	if (read) {
		const r = read.results;
		rows.push([
			`read path ${size}`,
			'dashboard p50: /analytics uncached vs raw SQL',
			`${x(r.rawSql.p50, r.analyticsUncached.p50)} (${fmt(r.analyticsUncached.p50)} vs ${fmt(r.rawSql.p50)} ms)`,
		]);
		rows.push([
			`read path ${size}`,
			'dashboard p50: /analytics cached vs raw SQL',
			`${x(r.rawSql.p50, r.analyticsCached.p50)} (${fmt(r.analyticsCached.p50)} ms)`,
		]);
		rows.push([
			`read path ${size}`,
			'Directus /activity aggregate vs raw SQL',
			x(r.rawSql.p50, r.directusActivity.p50),
		]);
		const suspicious = fresh(`suspicious-${Number(size.replace('M', '')) * 1_000_000}.json`);
		if (suspicious)
			rows.push([
				`read path ${size}`,
				'suspicious (IPs over a threshold in an hour, 7 days) p50: uncached vs raw SQL',
				`${x(suspicious.results.rawSql.p50, suspicious.results.uncached.p50)} (${fmt(suspicious.results.uncached.p50)} vs ${fmt(suspicious.results.rawSql.p50)} ms; server ${fmt(suspicious.serverP50)} ms)`,
			]);
		const f = read.refresh;
		rows.push([
			`refresh ${size}`,
			'incremental refresh (10k rows of the last 10 minutes) vs REFRESH MATERIALIZED VIEW',
			`${x(f.fullMaterializedViewMs, f.recent.ms)} cheaper (${fmt(f.recent.ms)} vs ${fmt(f.fullMaterializedViewMs)} ms)`,
		]);
		rows.push([
			`refresh ${size}`,
			'incremental refresh (10k rows over the last day) vs REFRESH MATERIALIZED VIEW',
			`${x(f.fullMaterializedViewMs, f.lastDay.ms)} cheaper (${fmt(f.lastDay.ms)} ms)`,
		]);
		// Results written before hours closed (2026-12-01) have the day's close only.
		if (f.close.hourRows !== undefined)
			rows.push([
				`refresh ${size}`,
				"once an hour: closing an hour's per-member rows",
				`${fmt(f.close.hourMs)} ms for ${f.close.hourRows.toLocaleString('en')} rows`,
			]);
		rows.push([
			`refresh ${size}`,
			"once a day: closing a day's per-member rows",
			`${fmt(f.close.dayMs ?? f.close.ms)} ms for ${f.close.dayRows.toLocaleString('en')} rows`,
		]);
	}
	const retention = fresh(`retention-${size}.json`);
	if (retention) {
		rows.push([
			`retention ${size}`,
			'archive, then delete',
			`${retention.retention.secondsPerMillion.toFixed(1)} s per million rows`,
		]);
		rows.push([
			`retention ${size}`,
			'longest writer wait during retention vs writers alone',
			`${fmt(retention.retention.writersDuring.max)} vs ${fmt(retention.writersBaseline.max)} ms`,
		]);
		rows.push([
			`retention ${size}`,
			'longest writer wait: index migration (CONCURRENTLY) vs plain CREATE INDEX',
			`${fmt(retention.indexConcurrently.writers.max)} vs ${fmt(retention.indexPlain.writers.max)} ms (build ${fmt(retention.indexPlain.buildMs)} ms)`,
		]);
	}
}
const flowHealth = fresh('flow-health-1000000.json');
if (flowHealth) {
	const r = flowHealth.results;
	rows.push([
		'flow health 1M runs',
		'/analytics/flows + operations + failures uncached vs raw SQL',
		`${x(r.rawSql.p50, r.uncached.p50)} (${fmt(r.uncached.p50)} vs ${fmt(r.rawSql.p50)} ms)`,
	]);
	rows.push([
		'flow health 1M runs',
		'refresh of 10k flow runs vs 10k other rows',
		`${x(flowHealth.refresh.flowRunsMs, flowHealth.refresh.otherActivityMs)} (${fmt(flowHealth.refresh.flowRunsMs)} vs ${fmt(flowHealth.refresh.otherActivityMs)} ms)`,
	]);
}
// The growth target: the uncached dashboard from 1M to 10M rows, under 2×. growth.mjs has the
// two sizes take turns in blocks; without it, the two read-path runs (minutes apart) are compared.
const growth = fresh('growth.json');
const [small, large] = ['read-path-1000000.json', 'read-path-10000000.json'].map(fresh);
if (growth) {
	const [a, b] = [growth.results['1M'].p50, growth.results['10M'].p50];
	rows.push([
		'read path 1M → 10M',
		'growth of the uncached dashboard p50, sizes taking turns in blocks',
		`${growth.growth.toFixed(2)}× (${fmt(a)} → ${fmt(b)} ms; median per-block ratio ${growth.pairedGrowth.toFixed(2)}×)`,
	]);
} else if (small && large) {
	const [a, b] = [small.results.analyticsUncached.p50, large.results.analyticsUncached.p50];
	rows.push([
		'read path 1M → 10M',
		'growth of the uncached dashboard p50, two separate runs',
		`${(b / a).toFixed(2)}× (${fmt(a)} → ${fmt(b)} ms)`,
	]);
}
for (const minutes of ['10', '2']) {
	const soak = fresh(`soak-${minutes}min.json`);
	if (!soak) continue;
	const judged = Number(minutes) >= 5;
	rows.push([
		`soak ${minutes} min`,
		'writes/s and dashboard reads/s sustained',
		`${soak.writes.perSecond.toFixed(0)} / ${soak.reads.perSecond.toFixed(1)}`,
	]);
	rows.push([
		`soak ${minutes} min`,
		'write p99 / dashboard read p99',
		`${fmt(soak.writes.p99)} / ${fmt(soak.reads.p99)} ms`,
	]);
	rows.push([
		`soak ${minutes} min`,
		'RSS / heap floor growth after warm-up',
		judged
			? `${(soak.rssGrowth * 100).toFixed(1)}% / ${(soak.heapGrowth * 100).toFixed(1)}%`
			: 'not judged (under 5 minutes)',
	]);
	rows.push([
		`soak ${minutes} min`,
		'max writer queue depth; errors; lost or doubled writes',
		`${soak.maxQueueDepth}; ${soak.errorCount}; ${soak.missing + soak.doubled}`,
	]);
}
const table = markdownTable(['suite', 'measure (side by side, same run)', 'result'], rows);
process.stdout.write(
	`\n## Benchmark summary (${full ? 'full' : 'quick'} mode, ${machineNote()}, ${new Date().toISOString().slice(0, 10)})\n\n${table}\n\n`,
);
writeFileSync(
	join(results, `summary-${full ? 'full' : 'quick'}.json`),
	JSON.stringify({ machine: machineNote(), at: new Date().toISOString(), full, rows }, null, 2),
);
process.exit(outcomes.every(Boolean) ? 0 : 1);
