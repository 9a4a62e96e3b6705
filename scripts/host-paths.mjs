// Where the pinned Directus host and its Node 22 live. Kept outside the clone (keyed by version)
// so a fresh clone on the same machine, such as CI's, reuses a 5-minute, 730 MB install.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIRECTUS_VERSION = '12.4.0';
export const NODE_MAJOR = 22;

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const runDir = join(repoRoot, '.host');

export const cacheRoot =
	process.env.ACTIVITY_ANALYTICS_CACHE_DIR ??
	join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'directus-extension-activity-analytics');

export const nodeDir = join(cacheRoot, `node-${NODE_MAJOR}`);
export const hostDir = join(cacheRoot, `directus-${DIRECTUS_VERSION}`);
export const directusCli = join(hostDir, 'node_modules', 'directus', 'cli.js');
