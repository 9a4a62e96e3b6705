import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { hostDir, nodeEnv } from '../../scripts/host.mjs';

/** Runs `npx directus <args>` against the test host's database (or `env`'s); returns the exit code, stdout's last line and stderr. */
export function runHostCli(
	args: string[],
	env: Record<string, string> = {},
): { status: number | null; last: string; stdout: string; stderr: string } {
	const result = spawnSync(process.execPath, [join(hostDir, 'node_modules', 'directus', 'cli.js'), ...args], {
		env: { ...nodeEnv(), ...inject('host').env, LOG_LEVEL: 'error', ...env },
		encoding: 'utf8',
		timeout: 120_000,
	});
	return {
		status: result.status,
		last: result.stdout.trim().split('\n').at(-1) ?? '',
		stdout: result.stdout,
		stderr: result.stderr,
	};
}
