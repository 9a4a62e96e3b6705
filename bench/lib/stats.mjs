// Small helpers shared by the benchmarks: timing, percentiles, tables.
import { cpus } from 'node:os';

export function percentile(samples, p) {
	if (samples.length === 0) return NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index];
}

export async function timeIt(fn) {
	const started = performance.now();
	const value = await fn();
	return { ms: performance.now() - started, value };
}

export function fmt(ms) {
	if (!Number.isFinite(ms)) return 'n/a';
	return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** A Markdown table from rows of cells. */
export function markdownTable(header, rows) {
	const line = (cells) => `| ${cells.join(' | ')} |`;
	return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function machineNote() {
	const cpu = cpus();
	return `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Two warm-up calls, then `iterations` timed ones: p50, p95 and the samples, the p50 logged under `label`. */
export async function measureRuns(label, fn, iterations, log) {
	await fn();
	await fn();
	const samples = [];
	for (let i = 0; i < iterations; i++) samples.push((await timeIt(fn)).ms);
	log(`${label}: p50 ${fmt(percentile(samples, 50))} ms`);
	return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}
