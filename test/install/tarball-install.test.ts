import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DIRECTUS_VERSION, OLDEST_DIRECTUS_VERSION } from '../../scripts/host-paths.mjs';
import { ensureHost, nodeEnv, openDatabase, repoRoot } from '../../scripts/host.mjs';

// The package as a user gets it: `npm pack`, then into a plain Directus project, once with
// `npm install <tarball>` and once unpacked into extensions/. The project is an ordinary folder with a .env,
// started with Directus's own CLI and its default extension locations: none of the host script's settings
// (EXTENSIONS_PATH, PACKAGE_FILE_LOCATION, DB_EXCLUDE_TABLES) apply. Its node_modules is copied from the
// cached Directus install rather than compiled again (5 minutes each); npm then adds the tarball to it.

const PACKAGE = 'directus-extension-activity-analytics';
const TOKEN = 'install-test-admin-token';
const work = mkdtempSync(join(tmpdir(), 'aa-install-'));
let tarball = '';
const running: ChildProcess[] = [];

function run(command: string, args: string[], cwd: string): string {
	const result = spawnSync(command, args, { cwd, env: nodeEnv(), encoding: 'utf8' });
	if (result.status !== 0)
		throw new Error(
			`${command} ${args.join(' ')} exited with ${result.status}\n${(result.stdout + result.stderr).slice(-3000)}`,
		);
	return result.stdout;
}

/** A plain Directus project of one version: package.json, node_modules and a .env for SQLite. */
function createProject(name: string, version: string, port: number): string {
	const hostDir = ensureHost(version);
	const dir = join(work, name);
	mkdirSync(dir, { recursive: true });
	writeFileSync(
		join(dir, 'package.json'),
		JSON.stringify({ name, private: true, dependencies: { directus: version } }, null, 2),
	);
	cpSync(join(hostDir, 'package-lock.json'), join(dir, 'package-lock.json'));
	// Hard links: a second of work instead of copying 730 MB; npm replaces files by renaming, never in place.
	run('cp', ['-al', join(hostDir, 'node_modules'), join(dir, 'node_modules')], dir);
	rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
	writeFileSync(
		join(dir, '.env'),
		[
			'DB_CLIENT=sqlite3',
			'DB_FILENAME=./data.db',
			`PORT=${port}`,
			'HOST=127.0.0.1',
			`PUBLIC_URL=http://127.0.0.1:${port}`,
			'KEY=install-test-key',
			'SECRET=install-test-secret-of-enough-length',
			'ADMIN_EMAIL=admin@example.com',
			'ADMIN_PASSWORD=install-test-password',
			`ADMIN_TOKEN=${TOKEN}`,
			'TELEMETRY=false',
			'LOG_LEVEL=warn',
			'',
		].join('\n'),
	);
	return dir;
}

async function startDirectus(dir: string, port: number): Promise<string> {
	const cli = join(dir, 'node_modules', 'directus', 'cli.js');
	run(process.execPath, [cli, 'bootstrap'], dir);
	const child = spawn(process.execPath, [cli, 'start'], {
		cwd: dir,
		env: nodeEnv(),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	running.push(child);
	let output = '';
	child.stdout?.on('data', (chunk) => (output += chunk));
	child.stderr?.on('data', (chunk) => (output += chunk));
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 480 && child.exitCode === null; i++) {
		try {
			if ((await fetch(`${url}/server/ping`)).ok) return url;
		} catch {
			// not listening yet
		}
		await sleep(250);
	}
	throw new Error(`Directus in ${dir} did not answer /server/ping:\n${output.slice(-3000)}`);
}

async function call<T>(
	url: string,
	path: string,
	init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T; text: string }> {
	const response = await fetch(`${url}${path}`, {
		method: init.method ?? 'GET',
		headers: {
			authorization: `Bearer ${TOKEN}`,
			...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: init.body === undefined ? undefined : JSON.stringify(init.body),
	});
	const text = await response.text();
	let body: unknown = null;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON
	}
	return { status: response.status, body: body as T, text };
}

/** What a user checks after installing: the entries load, the writer records, the API counts what SQL counts. */
async function expectWorkingBundle(url: string, dir: string): Promise<void> {
	const extensions = await call<{
		data: {
			id: string;
			bundle: string | null;
			schema: { type?: string; name?: string } | null;
			meta?: { enabled?: boolean };
		}[];
	}>(url, '/extensions');
	expect(extensions.status).toBe(200);
	const bundle = extensions.body.data.find((e) => e.schema?.name === PACKAGE);
	expect(bundle?.schema?.type, JSON.stringify(extensions.body).slice(0, 1500)).toBe('bundle');
	const entries = extensions.body.data.filter((e) => e.bundle === bundle!.id);
	expect(entries.map((e) => `${e.schema?.type}:${e.schema?.name}`).sort()).toEqual([
		'endpoint:analytics',
		'hook:activity-writer-hook',
		'operation:activity-maintenance',
		'panel:activity-analytics-dashboard',
	]);
	expect(entries.every((e) => e.meta?.enabled !== false)).toBe(true);
	const app = await call<unknown>(url, '/extensions/sources/index.js');
	expect(app.status).toBe(200);
	expect(app.text).toContain('activity-analytics-dashboard');
	expect((await call(url, '/analytics/status')).status).toBe(200);
	expect((await call(url, '/analytics/status', { method: 'GET' })).status).toBe(200);
	expect(
		(await call(url, '/collections', { method: 'POST', body: { collection: 'install_probe', schema: {}, meta: {} } }))
			.status,
	).toBe(200);
	expect(
		(await call(url, '/analytics/writer/enable', { method: 'POST', body: { collections: ['install_probe'] } })).status,
	).toBe(200);
	expect(
		(await call(url, '/items/install_probe', { method: 'POST', body: Array.from({ length: 25 }, () => ({})) })).status,
	).toBe(200);
	// The writer writes after the answer (and, on a fresh database, after our migrations): wait until it has.
	let writer = { queue: { depth: -1 }, eventsWritten: 0 };
	for (let i = 0; i < 600 && !(writer.eventsWritten >= 25 && writer.queue.depth === 0); i++) {
		if (i > 0) await sleep(100);
		writer = (await call<{ data: { writer: typeof writer } }>(url, '/analytics/status')).body.data.writer;
	}
	expect(writer).toMatchObject({ eventsWritten: 25, queue: { depth: 0 } });
	expect((await call(url, '/analytics/refresh', { method: 'POST' })).status).toBe(200);
	// A window that ends ahead of now: one ending at now leaves out events of the current second.
	const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
	const overview = await call<{ data: { current: { events: number } } }>(
		url,
		`/analytics/overview?from=${iso(Date.now() - 3_600_000)}&to=${iso(Date.now() + 60_000)}&collection=install_probe`,
	);
	const db = openDatabase({ DB_CLIENT: 'sqlite3', DB_FILENAME: join(dir, 'data.db') });
	const [row] = await db('directus_activity')
		.where({ collection: 'install_probe', action: 'create' })
		.count({ n: '*' });
	await db.destroy();
	const created = Number(row?.['n']);
	expect(created).toBe(25);
	expect(overview.body.data.current.events, JSON.stringify(overview.body).slice(0, 800)).toBe(created);
}
beforeAll(() => {
	run('npm', ['pack', '--pack-destination', work], repoRoot);
	tarball = join(
		work,
		readdirSync(work).find((f) => f.endsWith('.tgz'))!,
	);
	const listed = run('tar', ['-tzf', tarball], work);
	expect(listed).toContain('package/dist/api.js');
	expect(listed).toContain('package/dist/app.js');
	expect(listed).not.toMatch(/package\/(src|test|node_modules)\//);
});

afterAll(async () => {
	if (process.env['KEEP_INSTALL_PROJECTS'] === '1') return;
	for (const child of running) child.kill('SIGTERM');
	await sleep(500);
	if (process.env['KEEP_INSTALL_PROJECTS'] !== '1') rmSync(work, { recursive: true, force: true });
});

const versions = [...new Set([OLDEST_DIRECTUS_VERSION, DEFAULT_DIRECTUS_VERSION])];

describe.each(versions.map((version, i) => ({ version, port: 18500 + i * 10 })))(
	'the packed tarball on Directus $version',
	({ version, port }) => {
		it('works after `npm install <tarball>` in a plain Directus project', async () => {
			const dir = createProject(`npm-${version}`, version, port);
			run('npm', ['install', '--no-audit', '--no-fund', tarball], dir);
			expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies[PACKAGE]).toMatch(/\.tgz$/);
			expect(existsSync(join(dir, 'node_modules', PACKAGE, 'dist', 'api.js'))).toBe(true);
			const url = await startDirectus(dir, port);
			await expectWorkingBundle(url, dir);
			running.pop()?.kill('SIGTERM');
		});

		it('works unpacked into the extensions folder', async () => {
			const dir = createProject(`folder-${version}`, version, port + 1);
			const target = join(dir, 'extensions', PACKAGE);
			mkdirSync(target, { recursive: true });
			run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], dir);
			const url = await startDirectus(dir, port + 1);
			await expectWorkingBundle(url, dir);
			running.pop()?.kill('SIGTERM');
		});
	},
);
