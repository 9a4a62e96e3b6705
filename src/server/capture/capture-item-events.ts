import { randomUUID } from 'node:crypto';
import type { ActivityEvent } from '../schema/activity-event';
import type { RevisionShape } from './directus-version';
import { createNestedWriteGroups } from './nested-write-groups';

type Item = Record<string, unknown>;
type Key = string | number;

interface SchemaOverview {
	collections: Record<
		string,
		{
			primary: string;
			accountability: 'all' | 'activity' | null;
			fields: Record<string, { field: string; alias?: boolean; type?: string }>;
		}
	>;
	relations: {
		collection: string;
		field: string;
		related_collection: string | null;
		meta?: { one_field?: string | null } | null;
	}[];
}

export interface EventContext {
	schema: SchemaOverview | null;
	accountability: {
		user?: string | null;
		ip?: string | null;
		userAgent?: string | null;
		origin?: string | null;
	} | null;
}

interface PayloadServiceLike {
	prepareDelta(delta: Item): Promise<Item | null>;
}
interface ItemsServiceLike {
	readMany(keys: Key[], query: { fields: string[] }): Promise<Item[]>;
}
export interface CaptureServices {
	PayloadService: new (
		collection: string,
		options: { knex: unknown; schema: SchemaOverview; accountability: null },
	) => PayloadServiceLike;
	ItemsService: new (
		collection: string,
		options: { knex: unknown; schema: SchemaOverview; accountability: null },
	) => ItemsServiceLike;
}

export interface CaptureDeps {
	services: CaptureServices;
	/** What the running Directus puts in a revision (it changed in 11.17.0); the writer writes the same. */
	revisionShape: RevisionShape;
	database: unknown;
	/** The accountability a collection had before it came under the writer; undefined when it is not under it. */
	originalAccountability(collection: string, schema: SchemaOverview): Promise<'all' | 'activity' | null | undefined>;
	/** Resolves once the events are handed over to the queue (or written). */
	emit(events: ActivityEvent[]): Promise<void>;
}

/**
 * Turns Directus's items.create / items.update / items.delete actions into the activity (and revision) records
 * Directus would have written itself. No query runs before the event is dated and ordered; an update of a
 * revision-tracked collection reads the item's snapshot once, as Directus does inside its transaction.
 * Each returned promise settles once its events are handed over, which is what the answer to the request waits for.
 * A nested write's events are handed over after its root's, so the store can link the nested revision to the
 * root's revision even when the root had a snapshot to read first.
 */
export function createItemEventCapture(deps: CaptureDeps) {
	const parentOf = createNestedWriteGroups();
	/** Root captures in progress, by the event key nested writes link to. */
	const roots = new Map<string, Promise<void>>();
	let seq = 0;

	/**
	 * Runs a capture; a root capture (no parent) is registered by its event key first, synchronously, before its
	 * nested actions arrive, so theirs wait for it.
	 */
	async function asRootIfTop(parentKey: string | null, key: string, capture: () => Promise<void>): Promise<void> {
		if (parentKey !== null) return capture();
		let done!: () => void;
		roots.set(key, new Promise<void>((resolve) => (done = resolve)));
		try {
			await capture();
		} finally {
			roots.delete(key);
			done();
		}
	}

	async function emitAfterParent(parentKey: string | null, events: ActivityEvent[]): Promise<void> {
		const parent = parentKey ? roots.get(parentKey) : undefined;
		if (parent) await parent;
		await deps.emit(events);
	}

	async function tracked(collection: string, context: EventContext) {
		if (!context.accountability || !context.schema?.collections[collection]) return null;
		// Only collections Directus does not track itself.
		if (context.schema.collections[collection]!.accountability !== null) return null;
		const original = await deps.originalAccountability(collection, context.schema);
		if (original === undefined || original === null) return null;
		return { schema: context.schema, accountability: context.accountability, revisions: original === 'all' };
	}

	function baseEvent(
		key: string,
		action: ActivityEvent['action'],
		collection: string,
		item: Key,
		accountability: NonNullable<EventContext['accountability']>,
		at: number,
	): ActivityEvent {
		return {
			key,
			action,
			user: accountability.user ?? null,
			ip: accountability.ip ?? null,
			user_agent: accountability.userAgent ?? null,
			origin: accountability.origin ?? null,
			collection,
			item: String(item),
			at,
			seq: seq++,
		};
	}

	return {
		async onCreate(meta: { payload: Item; key: Key; collection: string }, context: EventContext): Promise<void> {
			const at = Date.now();
			const key = randomUUID();
			const parentKey = context.accountability ? parentOf(context.accountability, meta.collection, key) : null;
			return asRootIfTop(parentKey, key, async () => {
				const scope = await tracked(meta.collection, context);
				if (!scope) return;
				const event = baseEvent(key, 'create', meta.collection, meta.key, scope.accountability, at);
				if (scope.revisions) {
					const payloads = new deps.services.PayloadService(meta.collection, {
						knex: deps.database,
						schema: scope.schema,
						accountability: null,
					});
					const payload =
						deps.revisionShape === 'omit-relations'
							? omit(meta.payload, relationalFields(scope.schema, meta.collection))
							: meta.payload;
					const data = await payloads.prepareDelta(payload);
					event.revision = { data, delta: data, parentKey };
				}
				await emitAfterParent(parentKey, [event]);
			});
		},

		async onUpdate(meta: { payload: Item; keys: Key[]; collection: string }, context: EventContext): Promise<void> {
			const at = Date.now();
			const keys = meta.keys.map(() => randomUUID());
			const parentKey = context.accountability ? parentOf(context.accountability, meta.collection, keys[0]!) : null;
			return asRootIfTop(parentKey, keys[0]!, () => captureUpdate(meta, context, keys, at, parentKey));
		},

		async onDelete(meta: { keys: Key[]; collection: string }, context: EventContext): Promise<void> {
			const at = Date.now();
			const scope = await tracked(meta.collection, context);
			if (!scope) return;
			await deps.emit(
				meta.keys.map((item) => baseEvent(randomUUID(), 'delete', meta.collection, item, scope.accountability, at)),
			);
		},
	};

	async function captureUpdate(
		meta: { payload: Item; keys: Key[]; collection: string },
		context: EventContext,
		keys: string[],
		at: number,
		parentKey: string | null,
	): Promise<void> {
		const scope = await tracked(meta.collection, context);
		if (!scope) return;
		const events = meta.keys.map((item, i) =>
			baseEvent(keys[i]!, 'update', meta.collection, item, scope.accountability, at),
		);
		if (scope.revisions) {
			const collection = scope.schema.collections[meta.collection]!;
			const relational = relationalFields(scope.schema, meta.collection);
			const plainFields = Object.values(collection.fields)
				.filter((f) => !f.alias)
				.map((f) => f.field);
			const payloads = new deps.services.PayloadService(meta.collection, {
				knex: deps.database,
				schema: scope.schema,
				accountability: null,
			});
			const delta = await payloads.prepareDelta(
				pick(
					meta.payload,
					plainFields.filter((f) => f !== collection.primary),
				),
			);
			if (delta !== null) {
				const whole = deps.revisionShape === 'whole-payload';
				const snapshotFields = whole ? [] : Object.keys(collection.fields).filter((f) => !relational.includes(f));
				const items = new deps.services.ItemsService(meta.collection, {
					knex: deps.database,
					schema: scope.schema,
					accountability: null,
				});
				const snapshots = await items.readMany(meta.keys, {
					fields: snapshotFields.length > 0 ? snapshotFields : ['*'],
				});
				const byKey = new Map(snapshots.map((s) => [String(s[collection.primary]), s]));
				for (const event of events) {
					const snapshot = byKey.get(event.item);
					const data = snapshot ? (whole ? snapshot : await payloads.prepareDelta(snapshot)) : null;
					event.revision = { data, delta, parentKey };
				}
			}
		}
		await emitAfterParent(parentKey, events);
	}
}

/** The fields Directus leaves out of revision data: its M2O fields and its O2M aliases. */
export function relationalFields(schema: SchemaOverview, collection: string): string[] {
	const fields = schema.collections[collection]?.fields ?? {};
	const names: string[] = [];
	for (const relation of schema.relations) {
		if (relation.collection === collection && fields[relation.field]) names.push(relation.field);
		else if (relation.related_collection === collection && relation.meta?.one_field && fields[relation.meta.one_field])
			names.push(relation.meta.one_field);
	}
	return names;
}

function omit(item: Item, keys: string[]): Item {
	return Object.fromEntries(Object.entries(item).filter(([k]) => !keys.includes(k)));
}

function pick(item: Item, keys: string[]): Item {
	return Object.fromEntries(Object.entries(item).filter(([k]) => keys.includes(k)));
}
