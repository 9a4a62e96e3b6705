// Soak: about 200 item writes/s and 20 dashboard reads/s on one Directus (PostgreSQL + Redis) for 10 minutes,
// reporting memory over time, queue depth, p99 latencies and errors.
// Usage: node scripts/host.mjs run-node bench/soak.mjs [--minutes 10] [--writes 200] [--reads 20]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../scripts/host.mjs';
import { runSoak } from './lib/soak.mjs';
import { fmt, machineNote, markdownTable } from './lib/stats.mjs';
import { flag } from './lib/flags.mjs';

const minutes = Number(flag('minutes', '10'));
const result = await runSoak({
	name: 'bench-soak',
	port: 18172,
	seconds: Math.round(minutes * 60),
	writesPerSecond: Number(flag('writes', '200')),
	readsPerSecond: Number(flag('reads', '20')),
	sampleEveryMs: 10_000,
	log: (message) => process.stderr.write(`[soak] ${message}\n`),
});
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
// Growth is judged on runs of 5 minutes or more: a shorter run sees too few collections to tell a leak.
const judged = minutes >= 5;
const growth = (value) => `${(value * 100).toFixed(1)}%${judged ? '' : ' (run too short to judge)'}`;
const table = markdownTable(
	[`soak, ${minutes} min`, 'value'],
	[
		['writes acknowledged (per second)', `${result.writes.acked} (${result.writes.perSecond.toFixed(0)}/s)`],
		['dashboard reads (per second)', `${result.reads.ok} (${result.reads.perSecond.toFixed(1)}/s)`],
		['write p50 / p99', `${fmt(result.writes.p50)} / ${fmt(result.writes.p99)} ms`],
		['dashboard read p50 / p99', `${fmt(result.reads.p50)} / ${fmt(result.reads.p99)} ms`],
		['RSS floor growth after warm-up (first → last fifth)', growth(result.rssGrowth)],
		['heap floor growth after warm-up (first → last fifth)', growth(result.heapGrowth)],
		['RSS / heap at the end', `${mb(result.samples.at(-1).rss)} / ${mb(result.samples.at(-1).heapUsed)}`],
		['writer queue depth, max', String(result.maxQueueDepth)],
		['errors (any non-2xx or failure)', String(result.errorCount)],
		['acknowledged writes without / with two activity rows', `${result.missing} / ${result.doubled}`],
	],
);
// Memory and queue over time, one row a minute (or per sample on short runs).
const every = Math.max(1, Math.round(60 / Math.max(1, result.samples[1]?.t - result.samples[0]?.t || 10)));
const series = markdownTable(
	['t (s)', 'RSS (MB)', 'heap (MB)', 'queue depth', 'rollup lag (rows)'],
	result.samples
		.filter((_, i) => i % every === 0 || i === result.samples.length - 1)
		.map((s) => [
			String(s.t),
			(s.rss / 1048576).toFixed(0),
			(s.heapUsed / 1048576).toFixed(0),
			String(s.queueDepth),
			String(s.lagRows),
		]),
);
process.stdout.write(`\n### Soak (${machineNote()})\n\n${table}\n\n${series}\n\n`);
writeFileSync(
	join(repoRoot, 'bench', 'results', `soak-${minutes}min.json`),
	JSON.stringify({ ...result, machine: machineNote(), at: new Date().toISOString() }, null, 2),
);
const healthy =
	result.errorCount === 0 &&
	result.missing === 0 &&
	result.doubled === 0 &&
	(!judged || (result.rssGrowth < 0.1 && result.heapGrowth < 0.1));
process.exit(healthy ? 0 : 1);
