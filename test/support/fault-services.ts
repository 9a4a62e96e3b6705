import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Services the failure tests may stop and start without disturbing the other suites, which share the
 * machine's PostgreSQL and Redis: a Redis with an append-only file (a stream survives its restart only so) and
 * a PostgreSQL cluster of their own.
 */
export class FaultRedis {
	private process: ChildProcess | null = null;
	readonly dir = mkdtempSync(join(tmpdir(), 'aa-fault-redis-'));
	/** `persistent: false`: no append-only file and no snapshots, as many caches run; a crash then loses the stream. */
	constructor(
		readonly port: number,
		private readonly options: { persistent?: boolean } = {},
	) {}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	async start(): Promise<void> {
		this.process = spawn(
			'redis-server',
			[
				'--port',
				String(this.port),
				'--bind',
				'127.0.0.1',
				'--dir',
				this.dir,
				'--appendonly',
				this.options.persistent === false ? 'no' : 'yes',
				'--appendfsync',
				'always',
				'--save',
				'',
			],
			{ stdio: 'ignore' },
		);
		await waitFor(() => ping(this.port), `redis-server on port ${this.port}`);
	}

	/** A clean shutdown (the append-only file is complete), as a restart or failover does. */
	async stop(): Promise<void> {
		const child = this.process;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		await exited;
		this.process = null;
	}

	/** A crash: SIGKILL, nothing flushed. */
	async kill(): Promise<void> {
		const child = this.process;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
		this.process = null;
	}

	async dispose(): Promise<void> {
		await this.stop();
		rmSync(this.dir, { recursive: true, force: true });
	}
}

function ping(port: number): boolean {
	try {
		return (
			execFileSync('redis-cli', ['-p', String(port), 'ping'], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'ignore'],
			}).trim() === 'PONG'
		);
	} catch {
		return false;
	}
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`${what} did not come up`);
		await sleep(100);
	}
}

function postgresBin(name: string): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
	for (const version of versions) {
		const candidate = join(root, version, 'bin', name);
		if (existsSync(candidate)) return candidate;
	}
	throw new Error(`PostgreSQL's ${name} is not installed (looked under ${root})`);
}

/** initdb refuses to run as root: run the cluster as the postgres user then. */
function asClusterOwner(command: string, args: string[]): void {
	if (process.getuid?.() === 0)
		execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'ignore' });
	else execFileSync(command, args, { stdio: 'ignore' });
}

export class FaultPostgres {
	readonly dir = mkdtempSync(join(tmpdir(), 'aa-fault-pg-'));
	private readonly data = join(this.dir, 'data');
	constructor(readonly port: number) {}

	async init(): Promise<void> {
		mkdirSync(this.data);
		if (process.getuid?.() === 0) {
			const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
			const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
			chownSync(this.dir, uid, gid);
			chownSync(this.data, uid, gid);
		}
		asClusterOwner(postgresBin('initdb'), ['-D', this.data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
		await this.start();
	}

	async start(): Promise<void> {
		asClusterOwner(postgresBin('pg_ctl'), [
			'-D',
			this.data,
			'-l',
			join(this.dir, 'server.log'),
			'-w',
			'-o',
			`-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
			'start',
		]);
	}

	async stop(): Promise<void> {
		asClusterOwner(postgresBin('pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', 'stop']);
	}

	async dispose(): Promise<void> {
		await this.stop().catch(() => undefined);
		rmSync(this.dir, { recursive: true, force: true });
	}
}
