#!/usr/bin/env node
// `npm test`: the whole gate. Static checks (validate, types incl. .vue, lint, format, import rules) on the
// system Node, then Vitest on the host's Node 22 (the host's native drivers need it), then one summary line.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { buildBundle } from './build-bundle.mjs';
import { OLDEST_DIRECTUS_VERSION } from './host-paths.mjs';

// On the oldest supported Directus, the suites that go through Directus itself: hooks and accountability, the
// writer's swap, the endpoint's access and input, the operation in a Flow, the CLI, file storage. The rest run
// our own SQL on the database (refresh, retention, triggers, views) and are the same on any host version.
const OLDEST_HOST_SUITES = [
	'test/integration/bundle-entries.test.ts',
	'test/integration/writer-equivalence.test.ts',
	'test/integration/writer-store.test.ts',
	'test/integration/analytics-access-and-input.test.ts',
	'test/integration/analytics-cache-and-events.test.ts',
	'test/integration/analytics-ground-truth.test.ts',
	'test/integration/status-endpoint.test.ts',
	'test/integration/migrations.test.ts',
	'test/integration/privacy-and-archive.test.ts',
	'test/integration/flow-health.test.ts',
];
import { HostError, ensureHost, ensureNode, nodeEnv, repoRoot } from './host.mjs';

const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);
const results = [];

function runStep(name, fn) {
	const started = performance.now();
	process.stderr.write(`\n── ${name} ──\n`);
	let ok = true;
	try {
		ok = fn() !== false;
	} catch (error) {
		process.stderr.write(`${error instanceof HostError ? error.message : (error?.stack ?? error)}\n`);
		ok = false;
	}
	results.push({ name, ok, seconds: (performance.now() - started) / 1000 });
	return ok;
}

// The static checks read files only: they run side by side, each one's output printed whole when it ends.
async function runChecksSideBySide(checks) {
	await Promise.all(
		checks.map(
			({ name, command, args }) =>
				new Promise((resolve) => {
					const started = performance.now();
					const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
					let output = '';
					for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
					child.on('close', (code) => {
						process.stderr.write(`\n── ${name} ──\n${output}`);
						results.push({ name, ok: code === 0, seconds: (performance.now() - started) / 1000 });
						resolve();
					});
				}),
		),
	);
}

const only = process.argv.slice(2);
const staticOnly = process.env.TEST_STATIC_ONLY === '1';

const ready =
	runStep(
		`host: Node 22 + directus (cached), and directus@${OLDEST_DIRECTUS_VERSION} for the oldest-host lane`,
		() => ensureHost() && ensureHost(OLDEST_DIRECTUS_VERSION),
	) && runStep('build', () => buildBundle());
if (ready && only.length === 0) {
	await runChecksSideBySide([
		{ name: 'directus-extension validate', command: bin('directus-extension'), args: ['validate'] },
		{ name: 'typecheck (vue-tsc)', command: bin('vue-tsc'), args: ['--noEmit', '-p', 'tsconfig.json'] },
		{ name: 'lint (eslint)', command: bin('eslint'), args: ['.'] },
		{ name: 'format (prettier --check)', command: bin('prettier'), args: ['--check', '--log-level', 'warn', '.'] },
		{
			name: 'import rules: layers one way, no cycles, frozen migrations (dependency-cruiser)',
			command: process.execPath,
			args: [join(repoRoot, 'scripts', 'check-imports.mjs')],
		},
	]);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

// What failed and why, short, for the summary: a CI log is often read from its tail only, and with two lanes
// the failure itself may be far above it.
function failuresOf(json, lane) {
	const out = [];
	// The message and our own stack frames; Vitest's and Node's frames say nothing about the failure.
	const clip = (text) =>
		stripVTControlCharacters(String(text ?? ''))
			.split('\n')
			.filter((line) => !/^\s*at /.test(line) || (line.includes(repoRoot) && !line.includes('node_modules')))
			.slice(0, 10)
			.join('\n    ');
	for (const file of json.testResults ?? []) {
		const path = String(file.name ?? '').replace(`${repoRoot}/`, '');
		const tests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
		for (const test of tests)
			out.push(`${lane}${path} > ${test.fullName ?? test.title}\n    ${clip(test.failureMessages?.[0])}`);
		if (tests.length === 0 && file.status === 'failed')
			out.push(`${lane}${path} (outside any test)\n    ${clip(file.message)}`);
	}
	return out;
}

// Two lanes side by side, each running its projects' files one at a time against their own hosts. The failure
// and browser suites spend most of their time waiting (timed loads, outages, timers, page loads) and the
// integration suites most of theirs computing, so they overlap well on two cores; a third lane was faster but
// loaded the timing-bound failure suite enough to fail it once in three runs. A lane is a list of Vitest runs:
// the second lane's last one runs the suites whose behaviour depends on the Directus version again on the oldest
// supported one (a host of its own name and port). TEST_LANES=1 runs everything in one lane.
const LANES = [
	[{ projects: ['failure', 'browser', 'integration:sqlite', 'install'] }],
	[
		{ projects: ['unit', 'integration:postgres+redis', 'integration:mariadb'] },
		{
			projects: ['integration:postgres+redis'],
			files: OLDEST_HOST_SUITES,
			env: { DIRECTUS_HOST_VERSION: OLDEST_DIRECTUS_VERSION },
		},
	],
];

function runVitest(args, report, prefix, env = {}) {
	return new Promise((resolve) => {
		const child = spawn(
			ensureNode().node,
			[
				join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'),
				'run',
				'--reporter=default',
				'--reporter=json',
				`--outputFile.json=${report}`,
				...args,
			],
			{
				cwd: repoRoot,
				env: { ...nodeEnv(), ...env },
				stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit',
			},
		);
		if (prefix) {
			for (const stream of [child.stdout, child.stderr]) {
				createInterface({ input: stream }).on('line', (line) => process.stderr.write(`${prefix} ${line}\n`));
			}
		}
		child.on('close', (code) => resolve(code === 0));
	});
}

if (ready && !staticOnly) {
	mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
	const asArgs = (run) => [...run.projects.flatMap((project) => ['--project', project]), ...(run.files ?? [])];
	const lanes = only.length > 0 ? [[{ args: only }]] : process.env.TEST_LANES === '1' ? [LANES.flat()] : LANES;
	const runs = lanes.flatMap((lane, laneIndex) =>
		lane.map((run, i) => ({
			args: run.args ?? asArgs(run),
			env: run.env,
			lane: laneIndex,
			label: lanes.length > 1 ? `[lane ${laneIndex + 1}${run.env ? ` @${Object.values(run.env).join(',')}` : ''}]` : '',
			report: join(repoRoot, 'test-results', `vitest-${laneIndex + 1}-${i + 1}.json`),
		})),
	);
	for (const run of runs) rmSync(run.report, { force: true });
	const started = performance.now();
	process.stderr.write(
		`\n── vitest (unit, integration on SQLite, PostgreSQL + Redis and MariaDB, the oldest host, install, failure, browser; ${lanes.length} lane(s)) ──\n`,
	);
	const outcomes = await Promise.all(
		lanes.map(async (_, laneIndex) => {
			let ok = true;
			// A failed run does not stop the lane: the summary should name every failure.
			for (const run of runs.filter((r) => r.lane === laneIndex))
				ok = (await runVitest(run.args, run.report, run.label || null, run.env)) && ok;
			return ok;
		}),
	);
	results.push({
		name: `vitest (${lanes.length} lane(s))`,
		ok: outcomes.every(Boolean),
		seconds: (performance.now() - started) / 1000,
	});
	for (const run of runs) {
		if (!existsSync(run.report)) {
			failed += 1;
			continue;
		}
		const json = JSON.parse(readFileSync(run.report, 'utf8'));
		passed += json.numPassedTests ?? 0;
		// A suite that fails outside any test (setup, import) counts as one failure.
		failed += json.numFailedTests || json.numFailedTestSuites || 0;
		skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
		failures.push(...failuresOf(json, run.label ? `${run.label} ` : ''));
	}
}

process.stderr.write('\n── summary ──\n');
for (const r of results) process.stderr.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)}s)\n`);
for (const failure of failures) process.stderr.write(`FAIL ${failure}\n`);
const stepFailures = results.filter((r) => !r.ok).length;
process.stdout.write(`${passed} passed, ${failed + (failed === 0 ? stepFailures : 0)} failed, ${skipped} skipped\n`);
process.exit(stepFailures > 0 || failed > 0 ? 1 : 0);
