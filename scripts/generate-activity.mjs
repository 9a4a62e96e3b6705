#!/usr/bin/env node
// Loads realistic, seeded demo activity into directus_activity (and directus_revisions with --revisions).
// Usage: npm run seed -- --rows 1M --days 90 --seed 42 [--end 2026-11-01T00:00:00Z] [--revisions] [--result file.json]
// The database comes from Directus's env (DB_CLIENT, DB_*); without it, the demo's SQLite file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GeneratorOptionsError, parseGeneratorOptions } from './demo-data/activity-model.mjs';
import { loadActivity } from './demo-data/write-activity.mjs';
import { openDatabase, runDir } from './host.mjs';

/** "10k", "1M", "250000" -> number; anything else is left for validation to refuse. */
export function parseSize(value) {
	const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(value ?? '').trim());
	if (!match) return value;
	const factor = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[match[2]] ?? 1;
	return Math.round(Number(match[1]) * factor);
}

export function parseArgs(argv) {
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) throw new GeneratorOptionsError(`unexpected argument "${arg}"`);
		const key = arg.slice(2);
		if (!['rows', 'days', 'seed', 'end', 'revisions', 'result'].includes(key))
			throw new GeneratorOptionsError(`unknown flag --${key}`);
		if (key === 'revisions') out.revisions = true;
		else out[key] = argv[++i];
	}
	if (out.rows !== undefined) out.rows = parseSize(out.rows);
	return out;
}

let lastDecile = -1;
function progressBar(done, total) {
	if (!process.stderr.isTTY) {
		const decile = Math.floor((done / total) * 10);
		if (decile !== lastDecile) process.stderr.write(`${(lastDecile = decile) * 10}% `);
		return;
	}
	const width = 30;
	const filled = Math.round((done / total) * width);
	process.stderr.write(
		`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')} / ${total.toLocaleString('en')} rows`,
	);
}

async function main() {
	let options;
	let resultFile;
	try {
		const args = parseArgs(process.argv.slice(2));
		resultFile = args.result;
		delete args.result;
		options = parseGeneratorOptions(args);
	} catch (error) {
		if (error instanceof GeneratorOptionsError) {
			process.stderr.write(`generate-activity: ${error.message}\n`);
			return 2;
		}
		throw error;
	}
	const env = { DB_CLIENT: 'sqlite3', DB_FILENAME: join(runDir, 'demo', 'data.db'), ...process.env };
	const knex = openDatabase(env);
	try {
		const result = await loadActivity(knex, options, progressBar);
		process.stderr.write('\n');
		const summary = JSON.stringify({
			...result,
			seconds: Number(result.seconds.toFixed(2)),
			rowsPerSecond: Math.round(result.rows / result.seconds),
		});
		process.stdout.write(`${summary}\n`);
		// Written only once every row is in: a caller takes the file's presence as "the seed is complete".
		if (resultFile) writeFileSync(resultFile, summary);
		return 0;
	} finally {
		await knex.destroy();
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	main().then(
		(code) => process.exit(code),
		(error) => {
			process.stderr.write(`\ngenerate-activity failed: ${error?.message ?? error}\n`);
			process.exit(1);
		},
	);
}
