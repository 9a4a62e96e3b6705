import type { Knex } from 'knex';
import type { CaptureServices } from '../capture/capture-item-events';
import type { SwapDeps, SwapSchema } from './swap-collections';

export interface DirectusContextLike {
	database: Knex;
	getSchema(options?: { database?: Knex; bypassCache?: boolean }): Promise<unknown>;
	services: CaptureServices & {
		CollectionsService: new (options: { schema: unknown; accountability: null; knex: Knex }) => {
			updateOne(collection: string, data: unknown): Promise<unknown>;
		};
	};
}

/** The swap's view of Directus: the schema as collections with accountability and singleton, and an admin CollectionsService. */
export function swapDepsFrom(context: DirectusContextLike): SwapDeps {
	return {
		database: context.database,
		getSchema: async () => {
			const schema = (await context.getSchema({ bypassCache: true })) as {
				collections: Record<
					string,
					{ accountability: SwapSchema['collections'][string]['accountability']; singleton: boolean }
				>;
			};
			return {
				collections: Object.fromEntries(
					Object.entries(schema.collections).map(([name, c]) => [
						name,
						{ accountability: c.accountability, singleton: Boolean(c.singleton) },
					]),
				),
			};
		},
		collectionsService: async () =>
			new context.services.CollectionsService({
				schema: await context.getSchema(),
				accountability: null,
				knex: context.database,
			}),
	};
}
