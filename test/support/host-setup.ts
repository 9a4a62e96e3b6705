import type { TestProject } from 'vitest/node';
import { completeProjectSetup } from '../../scripts/demo-data/demo-schema.mjs';
import {
	DEMO_ADMIN,
	DIRECTUS_VERSION,
	IS_ALTERNATE_HOST,
	dropDatabase,
	startHost,
	stopHost,
} from '../../scripts/host.mjs';
import type { HostInfo } from './host-info';

/**
 * A vitest globalSetup that runs one real Directus with the built bundle on a fresh database,
 * provides its address to the tests, then stops it and drops the database.
 */
export function createHostSetup(baseName: string, basePort: number, env: (runId: string) => Record<string, string>) {
	// Another host version (DIRECTUS_HOST_VERSION) gets its own name and port, so both versions can run at once.
	const name = IS_ALTERNATE_HOST ? `${baseName}-${DIRECTUS_VERSION}` : baseName;
	const port = IS_ALTERNATE_HOST ? basePort + 1000 : basePort;
	return async function setup(project: TestProject) {
		const runId = `${process.pid}_${Date.now().toString(36)}`;
		const hostEnv = env(runId);
		// A leftover from an earlier crashed run must not leak into this one.
		await stopHost(name);
		if ((hostEnv['DB_CLIENT'] ?? 'sqlite3') === 'sqlite3')
			await dropDatabase({ DB_CLIENT: 'sqlite3', DB_FILENAME: hostEnv['DB_FILENAME'] ?? '' });
		const host = await startHost({ name, port, env: hostEnv });
		await completeProjectSetup(host.url, DEMO_ADMIN.token, DEMO_ADMIN.email);
		const info: HostInfo = {
			name,
			version: DIRECTUS_VERSION,
			url: host.url,
			token: DEMO_ADMIN.token,
			admin: DEMO_ADMIN,
			env: host.env,
			logFile: host.logFile,
		};
		project.provide('host', info);
		return async () => {
			await stopHost(name);
			if (process.env['KEEP_TEST_DATABASES'] !== '1') await dropDatabase(host.env);
		};
	};
}
