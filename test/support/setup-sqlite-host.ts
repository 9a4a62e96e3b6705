import { join } from 'node:path';
import { runDir } from '../../scripts/host.mjs';
import { createHostSetup } from './host-setup';

export default createHostSetup('test-sqlite', 18155, () => ({
	DB_CLIENT: 'sqlite3',
	DB_FILENAME: join(runDir, 'test-sqlite', 'data.db'),
	LOG_LEVEL: 'warn',
	// Tests refresh explicitly, so the raw tail is exercised deterministically.
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
}));
