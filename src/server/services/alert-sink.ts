import type { ExtensionsServices, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { ALERTS_TABLE } from '../schema/rollup-tables';
import type { AlertSink } from './detect-new-suspicious';

export const SUSPICIOUS_EVENT = 'activity-analytics.suspicious';

interface SinkContext {
	services: ExtensionsServices;
	database: Knex;
	getSchema: (options?: { bypassCache?: boolean }) => Promise<SchemaOverview>;
	/** The extensions' emitter; operations have none. */
	emitter?: { emitAction(event: string, meta: Record<string, unknown>, context?: Record<string, unknown>): void };
}

function isUniqueViolation(error: unknown): boolean {
	const e = error as { code?: string; extensions?: { code?: string } } | null;
	return (
		e?.code === 'RECORD_NOT_UNIQUE' ||
		e?.extensions?.code === 'RECORD_NOT_UNIQUE' ||
		e?.code === '23505' ||
		e?.code === 'ER_DUP_ENTRY' ||
		e?.code === 'SQLITE_CONSTRAINT'
	);
}

/**
 * Alerts become items of activity_analytics_alerts through ItemsService, which emits items.create on
 * Directus's own emitter: a Flow with an event trigger on that collection receives every alert. Other
 * extensions also get activity-analytics.suspicious on the extensions' emitter.
 */
export function createAlertSink(context: SinkContext): AlertSink {
	return async (alerts) => {
		// One schema read per batch, bypassing the cache: it may predate our migration that created the table.
		const schema = await context.getSchema({ bypassCache: true });
		const items = new context.services.ItemsService(ALERTS_TABLE, {
			schema,
			knex: context.database,
			accountability: null,
		});
		const created = [];
		for (const alert of alerts) {
			try {
				await items.createOne({ ...alert, touched: JSON.stringify(alert.touched) });
			} catch (error) {
				// Another instance announced it first.
				if (isUniqueViolation(error)) continue;
				throw error;
			}
			context.emitter?.emitAction(
				SUSPICIOUS_EVENT,
				{ payload: alert },
				{ database: context.database, schema, accountability: null },
			);
			created.push(alert);
		}
		return created;
	};
}
