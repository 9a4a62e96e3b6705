import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Three kinds of tests: pure logic (unit), a real Directus with the built bundle on SQLite and on
// PostgreSQL + Redis (integration), and the admin app in real Chromium (browser).
const integration = {
	include: ['test/integration/**/*.test.ts'],
	// Caps, not expectations: a CLI process boots a whole Directus, which takes far longer when the other lane
	// is busy on the same two cores.
	testTimeout: 150_000,
	hookTimeout: 240_000,
	fileParallelism: false,
};

export default defineConfig({
	test: {
		projects: [
			{
				plugins: [vue()],
				// A cap, not an expectation: the seeded codec and generator tests compute for seconds, and a CI run
				// once took 5.9 s for one of them (past Vitest's 5 s default) with the other lane busy.
				test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
			},
			{
				test: { ...integration, name: 'integration:sqlite', globalSetup: ['test/support/setup-sqlite-host.ts'] },
			},
			{
				test: {
					...integration,
					name: 'integration:postgres+redis',
					globalSetup: ['test/support/setup-postgres-host.ts'],
				},
			},
			{
				test: { ...integration, name: 'integration:mariadb', globalSetup: ['test/support/setup-mariadb-host.ts'] },
			},
			{
				// The packed tarball in plain Directus projects of the oldest and newest supported versions.
				test: {
					name: 'install',
					include: ['test/install/**/*.test.ts'],
					testTimeout: 600_000,
					hookTimeout: 600_000,
					fileParallelism: false,
				},
			},
			{
				// Stops and starts its own Redis and PostgreSQL, so it never disturbs the suites above.
				test: {
					name: 'failure',
					include: ['test/failure/**/*.test.ts'],
					testTimeout: 240_000,
					hookTimeout: 180_000,
					fileParallelism: false,
				},
			},
			{
				test: {
					name: 'browser',
					include: ['test/e2e/**/*.test.ts'],
					testTimeout: 120_000,
					hookTimeout: 180_000,
					fileParallelism: false,
					globalSetup: ['test/support/setup-browser-host.ts'],
				},
			},
		],
	},
});
