import type { AnalyticsConfig } from '../schema/config';
import { enableWriter, WriterCollectionsError, type SwapDeps } from './swap-collections';

/** Puts the collections named by ACTIVITY_ANALYTICS_WRITER_COLLECTIONS under the writer at start. */
export async function applyWriterConfig(
	deps: SwapDeps,
	config: AnalyticsConfig,
	logger: { info(o: unknown, m?: string): void; error(o: unknown, m?: string): void },
): Promise<void> {
	if (config.writerCollections === 'none') return;
	try {
		const result = await enableWriter(deps, config.writerCollections);
		if (result.changed.length > 0)
			logger.info({ collections: result.changed }, 'activity analytics: collections put under the writer');
	} catch (error) {
		const message =
			error instanceof WriterCollectionsError
				? `ACTIVITY_ANALYTICS_WRITER_COLLECTIONS: ${error.message}`
				: error instanceof Error
					? error.message
					: String(error);
		logger.error({ err: message }, 'activity analytics: could not put the configured collections under the writer');
	}
}
