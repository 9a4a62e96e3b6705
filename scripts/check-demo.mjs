#!/usr/bin/env node
// Runs the README's first command (`npm install && npm start`) on fresh clones of HEAD, N times in a row, with
// every core kept busy, as a new user on a loaded machine would. The first run is interrupted while it seeds and
// started again, so a half-done seed is shown to leave nothing behind. Each run must print "ready", answer the
// dashboard's first request with the figure SQL gives, and stop cleanly on Ctrl-C.
// Usage: node scripts/check-demo.mjs [--runs 5] [--no-stress] [--no-interrupt]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_ADMIN, openDatabase, repoRoot, runWithHostNode } from './host.mjs';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] || 5) || 5;
const stress = !argv.includes('--no-stress');
const interrupt = !argv.includes('--no-interrupt');
const port = 8055;
const READY_TIMEOUT_MS = 20 * 60_000;

function log(message) {
	process.stderr.write(`[check-demo] ${message}\n`);
}

/** Starts `bash -c command` in its own process group; resolves on a line matching `until` (or its exit). */
function startCommand(cwd, command, until, env = {}) {
	const child = spawn('bash', ['-c', command], {
		cwd,
		detached: true,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	const seen = new Promise((resolve) => {
		const onData = (chunk) => {
			output += chunk.toString();
			if (until.test(output)) resolve('matched');
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.once('exit', (code) => resolve(`exited with ${code}`));
	});
	return { child, seen, output: () => output };
}

async function stopGroup(child, signal = 'SIGINT') {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	try {
		process.kill(-child.pid, signal);
	} catch {
		return;
	}
	await Promise.race([exited, sleep(60_000)]);
}

async function portFree() {
	for (let i = 0; i < 100; i++) {
		try {
			await fetch(`http://127.0.0.1:${port}/server/ping`);
		} catch {
			return true;
		}
		await sleep(300);
	}
	return false;
}

/** The dashboard's first request, against SQL over the demo's SQLite file. */
async function checkAnswer(clone) {
	const to = Math.floor(Date.now() / 1000);
	const from = to - 90 * 86_400;
	const iso = (s) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;
	const started = performance.now();
	const response = await fetch(
		`http://127.0.0.1:${port}/analytics/overview?from=${iso(from)}&to=${iso(to)}&tz=Europe/Berlin`,
		{ headers: { authorization: `Bearer ${DEMO_ADMIN.token}` } },
	);
	const ms = performance.now() - started;
	const body = await response.json();
	const filename = join(clone, '.host', 'demo', 'data.db');
	const db = openDatabase({ DB_CLIENT: 'sqlite3', DB_FILENAME: filename });
	try {
		const epoch = `(case when typeof("timestamp") = 'integer' then "timestamp" / 1000 else cast(strftime('%s', "timestamp") as integer) end)`;
		const [{ n }] = await db.raw(`select count(*) as n from directus_activity where ${epoch} >= ? and ${epoch} < ?`, [
			from,
			to,
		]);
		const seed = JSON.parse(readFileSync(join(clone, '.host', 'demo', 'seeded.json'), 'utf8'));
		const [{ seeded }] = await db.raw('select count(*) as seeded from directus_activity where id between ? and ?', [
			seed.firstId,
			seed.lastId,
		]);
		const [{ later }] = await db.raw('select count(*) as later from directus_activity where id > ?', [seed.lastId]);
		const problems = [];
		if (response.status !== 200) problems.push(`overview answered ${response.status}`);
		if (body?.data?.current?.events !== Number(n))
			problems.push(`overview says ${body?.data?.current?.events} events, SQL ${n}`);
		if (Number(seeded) !== seed.rows) problems.push(`${seeded} seeded rows, expected ${seed.rows}`);
		// Directus's own rows (schema, demo items, logins): a few hundred; a doubled seed would add 200k.
		if (Number(later) > 5_000) problems.push(`${later} rows after the seed: was it doubled?`);
		return { ms, events: Number(n), seeded: Number(seeded), later: Number(later), problems };
	} finally {
		await db.destroy();
	}
}

async function main() {
	const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
	const burners = stress ? cpus().map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' })) : [];
	log(
		`${runs} runs of \`npm install && npm start\` on fresh clones of ${head}${stress ? `, ${burners.length} busy loops on ${cpus().length} cores` : ''}`,
	);
	const results = [];
	try {
		for (let run = 1; run <= runs; run++) {
			if (!(await portFree())) throw new Error(`port ${port} is taken: stop the other Directus first`);
			const clone = mkdtempSync(join(tmpdir(), `demo-check-${run}-`));
			spawnSync('git', ['clone', '--quiet', repoRoot, clone], { stdio: 'inherit' });
			const started = performance.now();
			let interrupted = false;
			if (interrupt && run === 1) {
				const first = startCommand(clone, 'npm install --no-audit --no-fund && npm start', /seeding .*rows/);
				const outcome = await first.seen;
				if (outcome !== 'matched') throw new Error(`run 1 ${outcome} before seeding:\n${first.output().slice(-2000)}`);
				await sleep(1500);
				await stopGroup(first.child);
				interrupted = true;
				log('run 1: interrupted while seeding; starting again');
			}
			const demo = startCommand(
				clone,
				interrupted ? 'npm start' : 'npm install --no-audit --no-fund && npm start',
				/is running \(ready in/,
			);
			const outcome = await Promise.race([demo.seen, sleep(READY_TIMEOUT_MS).then(() => 'timed out')]);
			const readySeconds = (performance.now() - started) / 1000;
			let result = { run, ok: false, readySeconds, interrupted, problems: [] };
			if (outcome !== 'matched') {
				result.problems.push(`${outcome}; last output:\n${demo.output().slice(-2000)}`);
			} else {
				const answer = await checkAnswer(clone);
				result = { ...result, ...answer, ok: answer.problems.length === 0 };
			}
			await stopGroup(demo.child);
			if (!(await portFree())) result.problems.push('Directus still answers after Ctrl-C');
			result.ok = result.problems.length === 0;
			results.push(result);
			log(
				`run ${run}: ${result.ok ? 'ok' : 'FAILED'} — ready after ${readySeconds.toFixed(0)} s${result.ms ? `, first dashboard answer ${result.ms.toFixed(0)} ms (${result.events} events = SQL)` : ''}${result.problems.length ? `\n  ${result.problems.join('\n  ')}` : ''}`,
			);
			if (result.ok) rmSync(clone, { recursive: true, force: true });
			else log(`kept ${clone} for a look`);
		}
	} finally {
		for (const burner of burners) burner.kill();
	}
	const passed = results.filter((r) => r.ok).length;
	process.stdout.write(
		`\n| run | result | ready (s) | first answer (ms) | seeded rows | rows after the seed |\n|---|---|---|---|---|---|\n`,
	);
	for (const r of results)
		process.stdout.write(
			`| ${r.run}${r.interrupted ? ' (interrupted while seeding, then restarted)' : ''} | ${r.ok ? 'ok' : 'failed'} | ${r.readySeconds.toFixed(0)} | ${r.ms?.toFixed(0) ?? '—'} | ${r.seeded ?? '—'} | ${r.later ?? '—'} |\n`,
		);
	process.stdout.write(
		`\n${passed} of ${runs} runs in a row passed${stress ? ' under CPU stress' : ''} (HEAD ${head})\n`,
	);
	return passed === runs ? 0 : 1;
}

// The host's Node has the SQLite driver the check reads with.
if (Number(process.versions.node.split('.')[0]) < 22 && !process.env.CHECK_DEMO_CHILD) {
	process.exit(runWithHostNode(join('scripts', 'check-demo.mjs'), argv, { CHECK_DEMO_CHILD: '1' }));
}
main().then(
	(code) => process.exit(code),
	(error) => {
		process.stderr.write(`check-demo failed: ${error?.stack ?? error}\n`);
		process.exit(1);
	},
);
