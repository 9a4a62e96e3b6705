#!/usr/bin/env node
// `npm start`: the whole demo on the embedded default (SQLite, no Redis). Installs the pinned host once,
// builds the bundle, starts Directus with it, adds a demo schema and seeded activity, then prints how to log in.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle } from './build-bundle.mjs';
import { applyDemoSchema, completeProjectSetup } from './demo-data/demo-schema.mjs';
import { DEMO_ADMIN, DIRECTUS_VERSION, HostError, ensureHost, runDir, runWithHostNode, startHost, stopHost } from './host.mjs';

const NAME = 'demo';
const port = Number(process.env.PORT ?? 8055);
const rows = process.env.DEMO_ROWS ?? '200k';
let hostStarted = false;

async function main() {
	const started = performance.now();
	ensureHost();
	buildBundle();
	const host = await startHost({ name: NAME, port, env: { LOG_LEVEL: 'warn' } });
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
	const swap = await fetch(`${host.url}/analytics/writer/enable`, {
		method: 'POST',
		headers: { authorization: `Bearer ${DEMO_ADMIN.token}`, 'content-type': 'application/json' },
		body: JSON.stringify({ collections: '*' }),
	});
	if (!swap.ok) throw new HostError(`putting the demo collections under the writer failed: ${swap.status} ${await swap.text()}`);
	const underWriter = (await (await fetch(`${host.url}/analytics/writer`, { headers: { authorization: `Bearer ${DEMO_ADMIN.token}` } })).json()).data.map((c) => c.collection);
	const marker = join(runDir, NAME, 'seeded');
	if (!existsSync(marker)) {
		process.stderr.write(`seeding ${rows} activity rows over 90 days…\n`);
		const code = runWithHostNode(join('scripts', 'generate-activity.mjs'), ['--rows', rows, '--days', '90', '--seed', '42', '--revisions'], { DB_CLIENT: 'sqlite3', DB_FILENAME: host.env.DB_FILENAME });
		if (code !== 0) throw new HostError('seeding demo activity failed: see the output above.');
		writeFileSync(marker, new Date().toISOString());
	}
	const seconds = ((performance.now() - started) / 1000).toFixed(0);
	process.stdout.write(
		[
			'',
			`  Directus ${DIRECTUS_VERSION} with directus-extension-activity-analytics is running (ready in ${seconds}s).`,
			`  Admin app:  ${host.url}/admin`,
			`  Log in as:  ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}`,
			`  API:        curl -H "Authorization: Bearer ${DEMO_ADMIN.token}" ${host.url}/analytics/status`,
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
	process.stderr.write(`${error instanceof HostError ? error.message : error?.stack ?? error}\n`);
	// A failure after Directus started (Ctrl-C while seeding ends the seeder, and then main) must not leave it
	// running in the background.
	if (hostStarted) {
		process.stderr.write('stopping Directus…\n');
		await stopHost(NAME).catch(() => undefined);
	}
	process.exit(1);
});
