// Suspicious activity (IPs over a threshold in an hour, 7 days), uncached, against the same answer by raw SQL
// over directus_activity, side by side in one run on the read-path bench's dataset (run it at that size first).
// The route's answer is checked equal to the raw SQL's, actor by actor, before anything is timed.
// Usage: node scripts/host.mjs run-node bench/suspicious.mjs --rows 1M [--iterations 15]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSize } from '../scripts/generate-activity.mjs';
import { openDatabase, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { assertRolledUpDataset, benchEnv } from './lib/dashboard.mjs';
import { fmt, machineNote, markdownTable, measureRuns, percentile } from './lib/stats.mjs';
import { flag } from './lib/flags.mjs';
import { checkSuspicious, rawSuspicious, suspiciousThreshold, suspiciousUncached } from './lib/suspicious.mjs';

const rows = parseSize(flag('rows', '1M'));
const iterations = Number(flag('iterations', '15'));
const name = `suspicious-${rows}`;
const log = (message) => process.stderr.write(`[suspicious] ${message}\n`);

const measure = (label, fn) => measureRuns(label, fn, iterations, log);

async function main() {
	log(`${rows.toLocaleString('en')} rows, ${iterations} iterations, ${machineNote()}`);
	const host = await startHost({ name, port: 18303, env: benchEnv(rows) });
	const db = openDatabase(host.env);
	try {
		await assertRolledUpDataset(db, rows);
		const threshold = await suspiciousThreshold(db);
		const raw = await rawSuspicious(db, threshold);
		checkSuspicious((await suspiciousUncached(host.url, threshold)).actors, raw);
		log(`the route's ${raw.length} IPs over ${threshold} events in an hour equal raw SQL's`);
		const server = [];
		const db_ = [];
		const results = {
			rawSql: await measure('raw SQL', () => rawSuspicious(db, threshold)),
			uncached: await measure('/analytics/suspicious uncached', async () => {
				const answer = await suspiciousUncached(host.url, threshold);
				server.push(answer.serverMs);
				db_.push(answer.dbMs);
			}),
		};
		const serverP50 = percentile(server, 50);
		const dbP50 = percentile(db_, 50);
		const table = markdownTable(
			[
				`suspicious at ${rows.toLocaleString('en')} rows (${raw.length} IPs over ${threshold} in an hour, 7 days)`,
				'p50 ms',
				'p95 ms',
				'vs raw SQL (p50)',
			],
			[
				['raw SQL, indexed directus_activity', fmt(results.rawSql.p50), fmt(results.rawSql.p95), '1.0×'],
				[
					`/analytics/suspicious, uncached (server ${fmt(serverP50)} ms, of it database ${fmt(dbP50)} ms)`,
					fmt(results.uncached.p50),
					fmt(results.uncached.p95),
					`${(results.rawSql.p50 / results.uncached.p50).toFixed(1)}×`,
				],
			],
		);
		process.stdout.write(`\n${table}\n\nMachine: ${machineNote()}\n`);
		const file = join(repoRoot, 'bench', 'results', `suspicious-${rows}.json`);
		writeFileSync(
			file,
			JSON.stringify(
				{
					rows,
					iterations,
					threshold,
					actors: raw.length,
					results,
					serverP50,
					dbP50,
					machine: machineNote(),
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
