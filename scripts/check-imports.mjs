// The import rules of .dependency-cruiser.cjs (layers one way, no cycles, frozen migrations, the app never
// reaching server code), checked with dependency-cruiser's CLI so its TypeScript and .vue parsing is used as is.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './host-paths.mjs';

export const CHECKED_FOLDERS = ['src', 'migrations', 'scripts', 'test', 'bench'];

/** Runs the rules over `folders` of `cwd` (a fixture tree in the rules' own test); the report is in `output`. */
export function checkImports(cwd = repoRoot, folders = CHECKED_FOLDERS) {
	const result = spawnSync(
		process.execPath,
		[
			join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
			'--config',
			join(repoRoot, '.dependency-cruiser.cjs'),
			'--output-type',
			'err',
			...folders,
		],
		{ cwd, encoding: 'utf8' },
	);
	return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const { ok, output } = checkImports();
	process.stdout.write(`${output}\n`);
	process.exit(ok ? 0 : 1);
}
