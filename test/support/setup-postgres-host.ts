import { ANALYST_ROLE_ID } from './host-info';
import { createHostSetup } from './host-setup';

// PostgreSQL and Redis as CI provides them; each run gets its own database and Redis namespace.
export default createHostSetup('test-postgres', 18156, (runId) => ({
	DB_CLIENT: 'pg',
	DB_HOST: process.env['TEST_PG_HOST'] ?? '127.0.0.1',
	DB_PORT: process.env['TEST_PG_PORT'] ?? '5432',
	DB_USER: process.env['TEST_PG_USER'] ?? 'postgres',
	DB_PASSWORD: process.env['TEST_PG_PASSWORD'] ?? '',
	DB_DATABASE: `aa_test_${runId}`,
	REDIS: process.env['TEST_REDIS'] ?? 'redis://127.0.0.1:6379',
	CACHE_ENABLED: 'true',
	CACHE_STORE: 'redis',
	CACHE_NAMESPACE: `aa_test_${runId}`,
	LOG_LEVEL: 'warn',
	// The writer holds WebSocket answers too (writer-equivalence).
	WEBSOCKETS_ENABLED: 'true',
	// Tests refresh explicitly, so the raw tail is exercised deterministically.
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	ACTIVITY_ANALYTICS_ALLOWED_ROLES: ANALYST_ROLE_ID,
	ACTIVITY_ANALYTICS_SUSPICIOUS_THRESHOLD: '40',
	ACTIVITY_ANALYTICS_FLOW_ALERT_MIN_RUNS: '2',
}));
