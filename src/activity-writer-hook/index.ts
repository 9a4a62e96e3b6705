import { defineHook } from '@directus/extensions-sdk';
import { currentAnalyticsRuntime, useAnalyticsRuntime } from '../server/services/analytics-runtime';
import { registerAnalyticsCli } from '../server/cli/register-analytics-cli';
import { describeConfig } from '../server/schema/config';
import { createAlertSinks } from '../server/services/alert-sink';
import { createItemEventCapture, type EventContext } from '../server/capture/capture-item-events';
import { detectDirectusVersion, revisionShapeFor } from '../server/capture/directus-version';
import { holdAnswers, holdSocketAnswers } from '../server/capture/hold-answers';
import { failedLoginRow, recordFailedLogin } from '../server/capture/record-failed-login';
import { RETENTION_DEFAULTS, runCheckedRetention } from '../server/services/run-maintenance';
import { runRefresh } from '../server/services/refresh-job';
import { createArchiveFileStore } from '../server/retention/archive-files';
import { applyWriterConfig } from '../server/writer/apply-writer-config';
import { drainBeforeDatabaseCloses } from '../server/writer/drain-on-shutdown';
import { swapDepsFrom, type DirectusContextLike } from '../server/writer/swap-deps';
import { WriterCollections } from '../server/writer/writer-collections';

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
	const directus = context as unknown as DirectusContextLike;

	// capture -> queue -> store: Directus's synchronous tracking is off for these collections, the writer does it.
	const writerCollections = new WriterCollections(analytics.database, () => analytics.ready, {
		onLoadFailed: (error, attempts) =>
			logger.error(
				{ err: error, attempts },
				'activity analytics: cannot read the writer collections; events of a collection enabled since the last read are not captured until a read succeeds',
			),
	});
	const directusVersion = detectDirectusVersion();
	if (!directusVersion)
		logger.warn(
			'activity analytics: cannot tell the Directus version; revisions are written as Directus 11.17 and later write them',
		);
	const capture = createItemEventCapture({
		services: directus.services,
		revisionShape: revisionShapeFor(directusVersion),
		database: analytics.database,
		originalAccountability: (collection, schema) => writerCollections.originalFor(collection, schema),
		emit: (events) => analytics.writer.emit(events),
	});
	action('items.create', (meta, eventContext) =>
		analytics.writer.track(capture.onCreate(meta as never, eventContext as EventContext), eventContext.accountability),
	);
	action('items.update', (meta, eventContext) =>
		analytics.writer.track(capture.onUpdate(meta as never, eventContext as EventContext), eventContext.accountability),
	);
	action('items.delete', (meta, eventContext) =>
		analytics.writer.track(capture.onDelete(meta as never, eventContext as EventContext), eventContext.accountability),
	);
	// A write is answered (HTTP or WebSocket) only once its events are handed over. The runtime is looked up per
	// answer: reloads replace it.
	const writerNow = () => currentAnalyticsRuntime()?.writer;
	init('middlewares.before', ({ app }) => app.use(holdAnswers(writerNow)));
	const holdSocket = holdSocketAnswers(writerNow);
	action('websocket.connect', ({ client }) => holdSocket(client as Parameters<typeof holdSocket>[0]));

	const startWriter = async () => {
		analytics.writer.start();
		writerCollections.startRechecks();
		analytics.addCleanup(() => writerCollections.stopRechecks());
		analytics.addCleanup(drainBeforeDatabaseCloses(analytics.database, () => analytics.dispose()));
		await analytics.ready;
		await applyWriterConfig(swapDepsFrom(directus), analytics.config, logger);
	};
	// Not in CLI processes: they must not consume the shared stream. After an extension reload app.before has
	// passed already, so the writer starts at once.
	if (analytics.replacedPrevious) void startWriter();
	else init('app.before', startWriter);

	const alerts = createAlertSinks(context);
	const archiveFiles = createArchiveFileStore(directus as unknown as Parameters<typeof createArchiveFileStore>[0]);
	if (analytics.config.refreshCron) {
		// Directus's schedule() runs each tick on one instance only when Redis is shared.
		schedule(analytics.config.refreshCron, async () => {
			analytics.scheduledRuns.refresh++;
			try {
				await runRefresh(analytics, { alerts });
			} catch (error) {
				logger.warn(
					{ err: error instanceof Error ? error.message : String(error) },
					'activity analytics: scheduled refresh failed',
				);
			}
		});
	}
	if (analytics.config.retentionCron) {
		const keepDays = analytics.config.retentionDays;
		schedule(analytics.config.retentionCron, async () => {
			analytics.scheduledRuns.retention++;
			try {
				const settings = {
					...RETENTION_DEFAULTS,
					keepDays,
					mode: analytics.config.retentionArchive,
					archiveMonths: analytics.config.archiveMonths,
				};
				const report = await runCheckedRetention(analytics, settings, archiveFiles);
				logger.info({ retention: report }, 'activity analytics: scheduled retention');
			} catch (error) {
				logger.warn(
					{ err: error instanceof Error ? error.message : String(error) },
					'activity analytics: scheduled retention failed',
				);
			}
		});
	}
	// Directus writes no activity for failed logins; keep them for the suspicious-activity report.
	action('auth.login', (meta, eventContext) => {
		const row = failedLoginRow(meta as Parameters<typeof failedLoginRow>[0], eventContext.accountability?.ip);
		if (!row) return;
		void analytics.ready
			.then(() => recordFailedLogin(analytics.database, row))
			.catch((error: unknown) =>
				logger.warn(
					{ err: error instanceof Error ? error.message : String(error) },
					'activity analytics: could not record a failed login',
				),
			);
	});
	init('cli.before', ({ program }) => registerAnalyticsCli(program, analytics, swapDepsFrom(directus), archiveFiles));
	action('server.stop', () => analytics.dispose());
});
