/** Directus env for a host of its own on the machine's PostgreSQL (TEST_PG_* override), database `name`. */
export function postgresHostEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
	return {
		DB_CLIENT: 'pg',
		DB_HOST: process.env['TEST_PG_HOST'] ?? '127.0.0.1',
		DB_PORT: process.env['TEST_PG_PORT'] ?? '5432',
		DB_USER: process.env['TEST_PG_USER'] ?? 'postgres',
		DB_PASSWORD: process.env['TEST_PG_PASSWORD'] ?? '',
		DB_DATABASE: name,
		...extra,
	};
}
