// Where the Directus host and its Node 22 live. Kept outside the clone (keyed by version) so a fresh clone on
// the same machine, such as CI's, reuses a 5-minute, 730 MB install.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The newest Directus the registry installs here (12.4.1 needs @directus/app@18.0.1, which it lacks). */
export const DEFAULT_DIRECTUS_VERSION = '12.4.0';
/** The oldest supported host: the first 11.x that runs on Node 22 (see package.json's host range). */
export const OLDEST_DIRECTUS_VERSION = '11.4.0';
export const NODE_MAJOR = 22;

/** DIRECTUS_HOST_VERSION picks another host, e.g. the oldest supported one for the compatibility lane. */
export const DIRECTUS_VERSION = process.env.DIRECTUS_HOST_VERSION || DEFAULT_DIRECTUS_VERSION;
if (!/^\d+\.\d+\.\d+$/.test(DIRECTUS_VERSION)) {
	throw new Error(`DIRECTUS_HOST_VERSION="${DIRECTUS_VERSION}" is not a version such as ${DEFAULT_DIRECTUS_VERSION}`);
}
/** True when this process runs against a host other than the default: its hosts get their own names and ports. */
export const IS_ALTERNATE_HOST = DIRECTUS_VERSION !== DEFAULT_DIRECTUS_VERSION;

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const runDir = join(repoRoot, '.host');

export const cacheRoot =
	process.env.ACTIVITY_ANALYTICS_CACHE_DIR ??
	join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'directus-extension-activity-analytics');

export const nodeDir = join(cacheRoot, `node-${NODE_MAJOR}`);
/** The cached install of one Directus version. */
export const hostDirOf = (version) => join(cacheRoot, `directus-${version}`);
export const hostDir = hostDirOf(DIRECTUS_VERSION);
export const directusCli = join(hostDir, 'node_modules', 'directus', 'cli.js');
