import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function versionAt(file: string): string | null {
	try {
		const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
		return manifest.name === 'directus' && typeof manifest.version === 'string' ? manifest.version : null;
	} catch {
		return null;
	}
}

/**
 * The version of the Directus running this process, read from its package.json: up from the CLI script that
 * started it (`directus start`), or from the project folder's node_modules (Docker starts it through pm2).
 * Null when neither can be found.
 */
export function detectDirectusVersion(
	starts: (string | undefined)[] = [process.argv[1] ? dirname(process.argv[1]) : undefined, process.cwd()],
): string | null {
	for (const start of starts) {
		if (!start) continue;
		let dir = start;
		for (;;) {
			const own = versionAt(join(dir, 'package.json'));
			if (own) return own;
			const installed = join(dir, 'node_modules', 'directus', 'package.json');
			if (existsSync(installed)) {
				const version = versionAt(installed);
				if (version) return version;
			}
			const parent = dirname(dir);
			if (parent === dir) break;
			dir = parent;
		}
	}
	return null;
}

/** a >= b for plain x.y.z versions (a pre-release tag is ignored). */
export function versionAtLeast(a: string, b: string): boolean {
	const parse = (v: string) =>
		v
			.split('-')[0]!
			.split('.')
			.map((part) => Number(part) || 0);
	const [x, y] = [parse(a), parse(b)];
	for (let i = 0; i < 3; i++) {
		if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
	}
	return true;
}

/**
 * Directus 11.17.0 (its #26867) changed what a revision holds: relational fields left out, the update snapshot read
 * without them and passed through prepareDelta. Before it, revisions hold the payload and snapshot as they are.
 */
export const REVISIONS_OMIT_RELATIONS_SINCE = '11.17.0';

export type RevisionShape = 'omit-relations' | 'whole-payload';

export function revisionShapeFor(version: string | null): RevisionShape {
	return version === null || versionAtLeast(version, REVISIONS_OMIT_RELATIONS_SINCE)
		? 'omit-relations'
		: 'whole-payload';
}
