import type { Knex } from 'knex';
import { WRITER_COLLECTIONS_TABLE } from './writer-tables';

export type Accountability = 'all' | 'activity' | null;

/**
 * Which collections are under the writer, and what accountability each had before. Reloaded whenever Directus
 * hands out a new schema: `enable` records a collection here before it turns native tracking off, so an
 * instance that sees the new schema also sees the row.
 */
export class WriterCollections {
	private originals = new Map<string, Accountability>();
	private readonly seenSchemas = new WeakSet<object>();
	private loading: Promise<boolean> | null = null;

	constructor(
		private readonly database: Knex,
		private readonly ready: () => Promise<void>,
	) {}

	async load(): Promise<Map<string, Accountability>> {
		await this.ready();
		const rows = (await this.database(WRITER_COLLECTIONS_TABLE).select('collection', 'original_accountability')) as { collection: string; original_accountability: string | null }[];
		this.originals = new Map(rows.map((r) => [r.collection, r.original_accountability as Accountability]));
		return this.originals;
	}

	/** The original accountability of a collection the writer tracks for this schema; undefined when native tracking applies. */
	async originalFor(collection: string, schema: { collections: Record<string, { accountability: Accountability }> }): Promise<Accountability | undefined> {
		// While Directus still tracks a collection itself, the writer stays out of it: never two rows for one write.
		if (schema.collections[collection]?.accountability !== null) return undefined;
		if (!this.seenSchemas.has(schema)) {
			this.loading ??= this.load()
				.then(
					() => true,
					() => false,
				)
				.finally(() => (this.loading = null));
			// On a failed load the last list stands, and the next event tries again.
			if (await this.loading) this.seenSchemas.add(schema);
		}
		return this.originals.has(collection) ? this.originals.get(collection)! : undefined;
	}
}
