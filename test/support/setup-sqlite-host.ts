import { ANALYST_ROLE_ID } from './host-info';
import { join } from 'node:path';
import { runDir } from '../../scripts/host.mjs';
import { createHostSetup } from './host-setup';

export default createHostSetup('test-sqlite', 18155, () => ({
	DB_CLIENT: 'sqlite3',
	DB_FILENAME: join(runDir, 'test-sqlite', 'data.db'),
	LOG_LEVEL: 'warn',
	// Tests refresh explicitly, so the raw tail is exercised deterministically.
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	ACTIVITY_ANALYTICS_ALLOWED_ROLES: ANALYST_ROLE_ID,
	ACTIVITY_ANALYTICS_SUSPICIOUS_THRESHOLD: '40',
	ACTIVITY_ANALYTICS_FLOW_ALERT_MIN_RUNS: '2',
}));
