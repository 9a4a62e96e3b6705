import type { Knex } from 'knex';
import type { Accountability } from './writer-collections';
import { WRITER_COLLECTIONS_TABLE } from '../schema/writer-tables';

interface CollectionInfo {
	accountability: Accountability;
	singleton: boolean;
}
export interface SwapSchema {
	collections: Record<string, CollectionInfo>;
}
interface CollectionsServiceLike {
	updateOne(collection: string, data: { meta: { accountability: Accountability } }): Promise<unknown>;
}
export interface SwapDeps {
	database: Knex;
	getSchema(): Promise<SwapSchema>;
	/** Directus's CollectionsService as admin: it clears the schema cache on every instance. */
	collectionsService(): Promise<CollectionsServiceLike>;
}

/** A request to put collections under the writer (or take them off) that names what it cannot do. */
export class WriterCollectionsError extends Error {
	constructor(readonly problems: string[]) {
		super(problems.join('; '));
		this.name = 'WriterCollectionsError';
	}
}

/** Collections the writer can take: user collections that are not singletons. `*` means all of them. */
export function resolveWriterCollections(schema: SwapSchema, requested: string[] | 'all'): string[] {
	const userCollections = Object.keys(schema.collections).filter(
		(c) => !c.startsWith('directus_') && !schema.collections[c]!.singleton,
	);
	if (requested === 'all') return userCollections.filter((c) => !c.startsWith('activity_analytics_')).sort();
	const problems: string[] = [];
	const unknown = requested.filter((c) => !schema.collections[c]);
	if (unknown.length > 0) problems.push(`unknown collection${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
	const system = requested.filter((c) => c.startsWith('directus_'));
	if (system.length > 0)
		problems.push(
			`${system.join(', ')}: system collections keep Directus's own tracking (their services write activity the writer does not see)`,
		);
	const singletons = requested.filter((c) => schema.collections[c]?.singleton);
	if (singletons.length > 0)
		problems.push(
			`${singletons.join(', ')}: singletons are refused (an upserted singleton emits no reliable key for its revisions)`,
		);
	if (problems.length > 0) throw new WriterCollectionsError(problems);
	return [...new Set(requested)];
}

export interface SwapResult {
	changed: { collection: string; accountability: Accountability }[];
	unchanged: string[];
}

/**
 * Puts collections under the writer: records the accountability each had, then turns Directus's own tracking off.
 * Collections with tracking already off have nothing to take over and are left alone.
 */
export async function enableWriter(deps: SwapDeps, requested: string[] | 'all'): Promise<SwapResult> {
	const schema = await deps.getSchema();
	const collections = resolveWriterCollections(schema, requested);
	const existing = new Set(
		((await deps.database(WRITER_COLLECTIONS_TABLE).select('collection')) as { collection: string }[]).map(
			(r) => r.collection,
		),
	);
	const service = await deps.collectionsService();
	const result: SwapResult = { changed: [], unchanged: [] };
	for (const collection of collections) {
		const original = schema.collections[collection]!.accountability;
		if (existing.has(collection) || original === null) {
			result.unchanged.push(collection);
			continue;
		}
		try {
			await deps
				.database(WRITER_COLLECTIONS_TABLE)
				.insert({ collection, original_accountability: original, enabled_at: Date.now() });
		} catch {
			// Another instance enabled it at the same moment.
			result.unchanged.push(collection);
			continue;
		}
		await service.updateOne(collection, { meta: { accountability: null } });
		result.changed.push({ collection, accountability: original });
	}
	return result;
}

/** Gives collections back to Directus with exactly the accountability they had, then forgets them. */
export async function disableWriter(deps: SwapDeps, requested: string[] | 'all'): Promise<SwapResult> {
	const rows = (await deps.database(WRITER_COLLECTIONS_TABLE).select('collection', 'original_accountability')) as {
		collection: string;
		original_accountability: Accountability;
	}[];
	const byName = new Map(rows.map((r) => [r.collection, r.original_accountability]));
	const collections = requested === 'all' ? [...byName.keys()] : requested;
	const notUnder = collections.filter((c) => !byName.has(c));
	if (notUnder.length > 0) throw new WriterCollectionsError([`not under the writer: ${notUnder.join(', ')}`]);
	const schema = await deps.getSchema();
	const service = await deps.collectionsService();
	const result: SwapResult = { changed: [], unchanged: [] };
	for (const collection of collections) {
		const original = byName.get(collection)!;
		// Directus tracks again before the writer lets go, so no write goes unrecorded in between.
		if (schema.collections[collection]) await service.updateOne(collection, { meta: { accountability: original } });
		await deps.database(WRITER_COLLECTIONS_TABLE).where({ collection }).delete();
		result.changed.push({ collection, accountability: original });
	}
	return result;
}

export async function listWriterCollections(
	database: Knex,
): Promise<{ collection: string; original_accountability: Accountability; enabled_at: number }[]> {
	const rows = (await database(WRITER_COLLECTIONS_TABLE)
		.select('collection', 'original_accountability', 'enabled_at')
		.orderBy('collection')) as {
		collection: string;
		original_accountability: Accountability;
		enabled_at: number | string;
	}[];
	return rows.map((r) => ({ ...r, enabled_at: Number(r.enabled_at) }));
}
