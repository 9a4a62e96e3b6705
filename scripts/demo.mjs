#!/usr/bin/env node
// `npm start`: the whole demo on the embedded default (SQLite, no Redis). Installs the pinned host once,
// builds the bundle, seeds a fresh database before Directus starts (nothing else holds the SQLite file then),
// starts Directus with the bundle, adds a demo schema, builds the rollups, and only then prints how to log in.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle } from './build-bundle.mjs';
import { applyDemoSchema, call, completeProjectSetup } from './demo-data/demo-schema.mjs';
import {
	DEMO_ADMIN,
	DIRECTUS_VERSION,
	HostError,
	bootstrap,
	createDatabase,
	ensureHost,
	hostEnv,
	runDir,
	runWithHostNode,
	startHost,
	stopHost,
} from './host.mjs';

const NAME = 'demo';
const port = Number(process.env.PORT ?? 8055);
const rows = process.env.DEMO_ROWS ?? '200k';
const marker = join(runDir, NAME, 'seeded.json');
let hostStarted = false;

/** `data` of one admin REST call; a failure names the call and its answer. */
async function adminData(url, method, path, body) {
	try {
		return (await call(url, DEMO_ADMIN.token, method, path, body)).data;
	} catch (error) {
		throw new HostError(error instanceof Error ? error.message : String(error));
	}
}

/**
 * Seeds once. Without the marker a database is thrown away and made anew, so a seed that failed or was
 * interrupted half-way never leaves rows for the next one to add to.
 */
async function seedOnce(env) {
	if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8'));
	await stopHost(NAME);
	for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${env.DB_FILENAME}${suffix}`, { force: true });
	await createDatabase(env);
	bootstrap(env);
	process.stderr.write(`seeding ${rows} activity rows over 90 days…\n`);
	const output = join(runDir, NAME, 'seed-result.json');
	rmSync(output, { force: true });
	const code = runWithHostNode(
		join('scripts', 'generate-activity.mjs'),
		['--rows', rows, '--days', '90', '--seed', '42', '--revisions', '--result', output],
		{
			DB_CLIENT: 'sqlite3',
			DB_FILENAME: env.DB_FILENAME,
		},
	);
	if (code !== 0 || !existsSync(output))
		throw new HostError(
			'seeding demo activity failed: see the output above. `npm start` again starts from a fresh database.',
		);
	const result = JSON.parse(readFileSync(output, 'utf8'));
	writeFileSync(marker, JSON.stringify({ ...result, seededAt: new Date().toISOString() }));
	return result;
}

async function main() {
	const started = performance.now();
	ensureHost();
	buildBundle();
	const env = hostEnv({ name: NAME, port, env: { LOG_LEVEL: 'warn' } });
	const seeded = existsSync(marker);
	const seed = await seedOnce(env);
	const host = await startHost({ name: NAME, port, env: { LOG_LEVEL: 'warn' }, bootstrapFirst: seeded });
	hostStarted = true;
	const stop = async () => {
		process.stderr.write('\nstopping Directus…\n');
		await stopHost(NAME);
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	await completeProjectSetup(host.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
	await applyDemoSchema(host.url, DEMO_ADMIN.token);
	// The demo collections' activity goes through the batched writer (the same as `analytics writer enable *`).
	await adminData(host.url, 'POST', '/analytics/writer/enable', { collections: '*' });
	const underWriter = (await adminData(host.url, 'GET', '/analytics/writer')).map((c) => c.collection);
	// Rollups before "ready": the first dashboard reads them instead of scanning every raw row.
	process.stderr.write('building the rollups…\n');
	const refresh = await adminData(host.url, 'POST', '/analytics/refresh');
	const seconds = ((performance.now() - started) / 1000).toFixed(0);
	process.stdout.write(
		[
			'',
			`  Directus ${DIRECTUS_VERSION} with directus-extension-activity-analytics is running (ready in ${seconds}s).`,
			`  Admin app:  ${host.url}/admin`,
			`  Log in as:  ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}`,
			`  API:        curl -H "Authorization: Bearer ${DEMO_ADMIN.token}" ${host.url}/analytics/status`,
			`  Data:       ${seed.rows.toLocaleString('en')} seeded events; rollups hold ${refresh.watermark.toLocaleString('en')} ids (built in ${Math.round(refresh.durationMs)} ms)`,
			`  Writer:     ${underWriter.join(', ') || '(none)'} — their activity is written in batches`,
			`  Log:        ${host.logFile}`,
			'  Press Ctrl-C to stop.',
			'',
		].join('\n'),
	);
	// Stay in the foreground until interrupted, like any dev server.
	setInterval(() => {}, 1 << 30);
}

main().catch(async (error) => {
	process.stderr.write(`${error instanceof HostError ? error.message : (error?.stack ?? error)}\n`);
	// A failure after Directus started must not leave it running in the background.
	if (hostStarted) {
		process.stderr.write('stopping Directus…\n');
		await stopHost(NAME).catch(() => undefined);
	}
	process.exit(1);
});
