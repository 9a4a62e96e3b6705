import type { ExtensionsServices, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { FLOW_ALERTS_TABLE } from '../schema/flow-tables';
import { ALERTS_TABLE } from '../schema/rollup-tables';
import type { AlertSink, SuspiciousAlert } from './detect-new-suspicious';
import type { FlowAlert, FlowAlertSink } from './detect-failing-flows';

export const SUSPICIOUS_EVENT = 'activity-analytics.suspicious';
export const FLOW_FAILING_EVENT = 'activity-analytics.flow-failing';

/** Where a refresh announces what it found: suspicious actors, and flows failing past the threshold. */
export interface AlertSinks {
	suspicious: AlertSink;
	flows: FlowAlertSink;
}

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
 * Alerts become items of `collection` through ItemsService, which emits items.create on Directus's own
 * emitter: a Flow with an event trigger on that collection receives every alert. Other extensions also get
 * `event` on the extensions' emitter.
 */
function createItemSink<T extends object>(
	context: SinkContext,
	collection: string,
	event: string,
	toItem: (alert: T) => Record<string, unknown>,
): (alerts: T[]) => Promise<T[]> {
	return async (alerts) => {
		// One schema read per batch, bypassing the cache: it may predate our migration that created the table.
		const schema = await context.getSchema({ bypassCache: true });
		const items = new context.services.ItemsService(collection, {
			schema,
			knex: context.database,
			accountability: null,
		});
		const created: T[] = [];
		for (const alert of alerts) {
			try {
				await items.createOne(toItem(alert));
			} catch (error) {
				// Another instance announced it first.
				if (isUniqueViolation(error)) continue;
				throw error;
			}
			context.emitter?.emitAction(
				event,
				{ payload: alert },
				{ database: context.database, schema, accountability: null },
			);
			created.push(alert);
		}
		return created;
	};
}

export function createAlertSinks(context: SinkContext): AlertSinks {
	return {
		suspicious: createItemSink<SuspiciousAlert>(context, ALERTS_TABLE, SUSPICIOUS_EVENT, (alert) => ({
			...alert,
			touched: JSON.stringify(alert.touched),
		})),
		flows: createItemSink<FlowAlert>(context, FLOW_ALERTS_TABLE, FLOW_FAILING_EVENT, (alert) => ({ ...alert })),
	};
}
