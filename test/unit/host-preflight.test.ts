import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkServices } from '../../scripts/host.mjs';

async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	await new Promise((resolve) => server.close(resolve));
	return typeof address === 'object' && address ? address.port : 1;
}

describe('host pre-flight', () => {
	it('names DB_HOST and DB_PORT when PostgreSQL cannot be reached', async () => {
		const port = await closedPort();
		await expect(
			checkServices({ DB_CLIENT: 'pg', DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_DATABASE: 'x' }),
		).rejects.toThrow(`Cannot reach PostgreSQL at 127.0.0.1:${port}: check DB_HOST and DB_PORT.`);
	});

	it('names REDIS when Redis cannot be reached or is not a URL', async () => {
		const port = await closedPort();
		await expect(
			checkServices({ DB_CLIENT: 'sqlite3', DB_FILENAME: '/tmp/x.db', REDIS: `redis://127.0.0.1:${port}` }),
		).rejects.toThrow(/check REDIS/);
		await expect(checkServices({ DB_CLIENT: 'sqlite3', DB_FILENAME: '/tmp/x.db', REDIS: 'nonsense' })).rejects.toThrow(
			/fix REDIS/,
		);
	});

	it('refuses an unknown DB_CLIENT and a missing DB_DATABASE', async () => {
		await expect(checkServices({ DB_CLIENT: 'oracledb' })).rejects.toThrow(/DB_CLIENT="oracledb"/);
		await expect(checkServices({ DB_CLIENT: 'mysql', DB_HOST: '127.0.0.1' })).rejects.toThrow(
			/DB_DATABASE must be set/,
		);
	});

	it('fails `host.mjs start` with exactly one line that names the setting', async () => {
		const port = await closedPort();
		const result = spawnSync(
			process.execPath,
			['scripts/host.mjs', 'start', '--name', 'preflight', '--port', '18199'],
			{
				env: { ...process.env, DB_CLIENT: 'pg', DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_DATABASE: 'nowhere' },
				encoding: 'utf8',
			},
		);
		expect(result.status).toBe(1);
		expect(result.stderr.trim().split('\n')).toEqual([
			`Cannot reach PostgreSQL at 127.0.0.1:${port}: check DB_HOST and DB_PORT.`,
		]);
	});
});
