import type { Knex } from 'knex';
import { WRITER_COLLECTIONS_TABLE } from '../schema/writer-tables';

export type Accountability = 'all' | 'activity' | null;

type SchemaLike = { collections: Record<string, { accountability: Accountability }> };

const RECHECK_MS = 10_000;
// Within the answer hold (5 s): a list that cannot be read after a schema change would leave a newly enabled
// collection untracked by both Directus and the writer, so a failed read is retried before the event gives up.
const RETRY_DELAYS_MS = [50, 250, 1_000, 2_000];

export interface WriterCollectionsOptions {
	retryDelaysMs?: readonly number[];
	onLoadFailed?: (error: unknown, attempts: number) => void;
}

/**
 * Which collections are under the writer, and what accountability each had before.
 *
 * `enable` records a collection here before it turns native tracking off, so the list only needs reading again
 * when the set of untracked collections in the schema changes. Directus hands each request a deep copy of its
 * schema, so the set is compared by content (memoised per schema object), never by object: a read per write
 * would stand between an action and the queue, a window in which an answered write could be lost.
 */
export class WriterCollections {
	private originals = new Map<string, Accountability>();
	private loadedFingerprint: string | null = null;
	private loading: { fingerprint: string; done: Promise<void> } | null = null;
	private readonly fingerprints = new WeakMap<object, string>();
	private recheck: NodeJS.Timeout | null = null;

	constructor(
		private readonly database: Knex,
		private readonly ready: () => Promise<void>,
		private readonly options: WriterCollectionsOptions = {},
	) {}

	async load(): Promise<Map<string, Accountability>> {
		await this.ready();
		const rows = (await this.database(WRITER_COLLECTIONS_TABLE).select('collection', 'original_accountability')) as {
			collection: string;
			original_accountability: string | null;
		}[];
		this.originals = new Map(rows.map((r) => [r.collection, r.original_accountability as Accountability]));
		return this.originals;
	}

	/** The original accountability of a collection the writer tracks for this schema; undefined when native tracking applies. */
	async originalFor(collection: string, schema: SchemaLike): Promise<Accountability | undefined> {
		// While Directus still tracks a collection itself, the writer stays out of it: never two rows for one write.
		if (schema.collections[collection]?.accountability !== null) return undefined;
		const fingerprint = this.fingerprintOf(schema);
		if (fingerprint !== this.loadedFingerprint) await this.reload(fingerprint);
		return this.originals.has(collection) ? this.originals.get(collection)! : undefined;
	}

	/** Re-reads the list now and then, in case it changed without the schema changing (another instance's CLI). */
	startRechecks(): void {
		if (this.recheck) return;
		this.recheck = setInterval(() => {
			if (this.loadedFingerprint !== null) void this.load().catch(() => undefined);
		}, RECHECK_MS);
		this.recheck.unref();
	}

	stopRechecks(): void {
		if (this.recheck) clearInterval(this.recheck);
		this.recheck = null;
	}

	private fingerprintOf(schema: SchemaLike): string {
		let fingerprint = this.fingerprints.get(schema);
		if (fingerprint === undefined) {
			fingerprint = Object.keys(schema.collections)
				.filter((name) => schema.collections[name]!.accountability === null)
				.sort()
				.join('\n');
			this.fingerprints.set(schema, fingerprint);
		}
		return fingerprint;
	}

	/** Loads, retrying a failed read a few times; rejects with the last error. */
	private async loadWithRetries(): Promise<void> {
		const delays = this.options.retryDelaysMs ?? RETRY_DELAYS_MS;
		for (let attempt = 0; ; attempt++) {
			try {
				await this.load();
				return;
			} catch (error) {
				if (attempt >= delays.length) {
					this.options.onLoadFailed?.(error, attempt + 1);
					throw error;
				}
				await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
			}
		}
	}

	/** One load per new fingerprint, shared by every event that sees it; when every retry fails the last list stands and the next event tries again. */
	private async reload(fingerprint: string): Promise<void> {
		let entry = this.loading;
		if (entry?.fingerprint !== fingerprint) {
			const previous = entry?.done ?? Promise.resolve();
			const done = previous.then(() =>
				this.loadWithRetries().then(
					() => {
						this.loadedFingerprint = fingerprint;
					},
					() => undefined,
				),
			);
			const current = { fingerprint, done };
			entry = current;
			this.loading = current;
			void done.finally(() => {
				if (this.loading === current) this.loading = null;
			});
		}
		await entry.done;
	}
}
