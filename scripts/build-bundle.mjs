import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HostError, repoRoot } from './host.mjs';

/** Builds dist/ with the extensions SDK (runs on the system Node). */
export function buildBundle() {
	const result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'directus-extension'), ['build'], {
		cwd: repoRoot,
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	if (result.status !== 0) throw new HostError('`directus-extension build` failed: see the output above.');
}
