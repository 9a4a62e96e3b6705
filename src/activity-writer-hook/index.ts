import { defineHook } from '@directus/extensions-sdk';
import { useAnalyticsRuntime } from '../server/analytics-runtime';
import { registerAnalyticsCli } from '../server/cli/register-analytics-cli';
import { describeConfig } from '../server/config';
import { createAlertSink } from '../server/alert-sink';
import { failedLoginRow, recordFailedLogin } from '../server/capture/record-failed-login';
import { runRefresh } from '../server/rollup/run-refresh';

export default defineHook(({ schedule, init, action }, context) => {
	const { logger } = context;
	let runtime;
	try {
		runtime = useAnalyticsRuntime(context);
	} catch (error) {
		logger.error(error instanceof Error ? error.message : String(error));
		throw error;
	}
	const analytics = runtime;
	logger.info({ config: describeConfig(analytics.config) }, 'activity analytics: configuration');

	const alertSink = createAlertSink(context);
	if (analytics.config.refreshCron) {
		// Directus's schedule() runs each tick on one instance only when Redis is shared.
		schedule(analytics.config.refreshCron, async () => {
			try {
				await runRefresh(analytics, { alertSink });
			} catch (error) {
				logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'activity analytics: scheduled refresh failed');
			}
		});
	}
	// Directus writes no activity for failed logins; keep them for the suspicious-activity report.
	action('auth.login', (meta, eventContext) => {
		const row = failedLoginRow(meta as Parameters<typeof failedLoginRow>[0], eventContext.accountability?.ip);
		if (!row) return;
		void analytics.ready
			.then(() => recordFailedLogin(analytics.database, row))
			.catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'activity analytics: could not record a failed login'));
	});
	init('cli.before', ({ program }) => registerAnalyticsCli(program, analytics));
	action('server.stop', () => analytics.dispose());
});
