import { ANALYST_ROLE_ID } from './host-info';
import { createHostSetup } from './host-setup';

// MariaDB as CI provides it (root, no password); each run gets its own database.
export default createHostSetup('test-mariadb', 18158, (runId) => ({
	DB_CLIENT: 'mysql',
	DB_HOST: process.env['TEST_MYSQL_HOST'] ?? '127.0.0.1',
	DB_PORT: process.env['TEST_MYSQL_PORT'] ?? '3306',
	DB_USER: process.env['TEST_MYSQL_USER'] ?? 'root',
	DB_PASSWORD: process.env['TEST_MYSQL_PASSWORD'] ?? '',
	DB_DATABASE: `aa_test_${runId}`,
	LOG_LEVEL: 'warn',
	// Tests refresh explicitly, so the raw tail is exercised deterministically.
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	ACTIVITY_ANALYTICS_ALLOWED_ROLES: ANALYST_ROLE_ID,
	ACTIVITY_ANALYTICS_SUSPICIOUS_THRESHOLD: '40',
	ACTIVITY_ANALYTICS_FLOW_ALERT_MIN_RUNS: '2',
	// Deletes bypass the queue here, so the equivalence test covers the synchronous path too.
	ACTIVITY_ANALYTICS_SYNC_ACTIONS: 'delete',
}));
