import type { Knex } from 'knex';
import type { EmitAction } from './rollup/run-refresh';

interface EmitterContext {
	emitter: { emitAction(event: string, meta: Record<string, unknown>, context: Record<string, unknown>): void };
	database: Knex;
	getSchema: () => Promise<unknown>;
}

/** Emits a Directus action event (a Flow with an event trigger can react), as the system, not as a user. */
export function createEmitAction(context: EmitterContext): EmitAction {
	return (event, payload) => {
		void context.getSchema().then((schema) =>
			context.emitter.emitAction(event, { payload }, { database: context.database, schema, accountability: null }),
		);
	};
}
