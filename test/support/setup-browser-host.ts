import { join } from 'node:path';
import { runDir } from '../../scripts/host.mjs';
import { createHostSetup } from './host-setup';

// The admin app is served by this host; the browser test seeds its own data.
export default createHostSetup('test-browser', 18157, () => ({
	DB_CLIENT: 'sqlite3',
	DB_FILENAME: join(runDir, 'test-browser', 'data.db'),
	LOG_LEVEL: 'warn',
	// Tests refresh explicitly, so the raw tail is exercised deterministically.
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
}));
