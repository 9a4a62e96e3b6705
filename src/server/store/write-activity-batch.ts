import type { Knex } from 'knex';
import { batchSize, decodeBatch, encodeBatch, type ActivityEvent, type EventBatch } from '../schema/activity-event';
import { dialectOf, type Dialect } from '../schema/dialect';
import { WRITER_LEDGER_TABLE } from '../schema/writer-tables';
import { writeBatchPostgres } from './write-batch-postgres';

export interface BatchWriteResult {
	written: number;
	/** Events whose key the ledger already held: written by an earlier attempt whose outcome was unknown. */
	skipped: number;
}

/**
 * Writes a batch of events as activity rows, their revisions and their ledger entries in one transaction,
 * in capture order. Idempotent: keys already in the ledger are skipped, so a retry never doubles a row.
 * PostgreSQL does it in one statement; MySQL and SQLite step by step (their ids come back per dialect).
 */
export async function writeActivityBatch(database: Knex, batch: EventBatch): Promise<BatchWriteResult> {
	const dialect = dialectOf(database);
	const size = batchSize(batch);
	if (dialect.name === 'postgres') {
		const written = await database.transaction((trx) => writeBatchPostgres(trx, encodeBatch(batch)));
		return { written, skipped: size - written };
	}
	const stepwise = dialect;
	const events = decodeBatch(batch);
	const unique = dedupeByKey(events);
	return database.transaction(async (trx) => {
		const known = await existingKeys(
			trx,
			unique.map((e) => e.key),
		);
		const fresh = unique.filter((e) => !known.has(e.key));
		if (fresh.length === 0) return { written: 0, skipped: events.length };

		const activityIds = await stepwise.insertReturningIds(
			trx,
			'directus_activity',
			fresh.map((e) => activityRow(stepwise, e)),
		);
		const withRevision = fresh
			.map((event, i) => ({ event, activity: activityIds[i]! }))
			.filter((x) => x.event.revision && x.event.revision.delta !== null);
		const revisionIds = await stepwise.insertReturningIds(
			trx,
			'directus_revisions',
			withRevision.map((x) => revisionRow(x.event, x.activity)),
		);
		const revisionByKey = new Map(withRevision.map((x, i) => [x.event.key, revisionIds[i]!]));
		const waiting = await linkParents(
			trx,
			withRevision.map((x) => x.event),
			revisionByKey,
			new Set(fresh.map((e) => e.key)),
		);
		await adoptWaitingChildren(trx, fresh, revisionByKey);

		const now = Date.now();
		const ledger = fresh.map((event, i) => ({
			event_key: event.key,
			activity: activityIds[i]!,
			revision: revisionByKey.get(event.key) ?? null,
			written_at: now,
			parent_key: waiting.get(event.key) ?? null,
		}));
		await insertLedger(trx, ledger);
		return { written: fresh.length, skipped: events.length - fresh.length };
	});
}

function dedupeByKey(events: readonly ActivityEvent[]): ActivityEvent[] {
	const seen = new Set<string>();
	return [...events]
		.sort((a, b) => a.at - b.at || a.seq - b.seq)
		.filter((e) => (seen.has(e.key) ? false : (seen.add(e.key), true)));
}

async function existingKeys(trx: Knex.Transaction, keys: string[]): Promise<Set<string>> {
	const found = new Set<string>();
	for (let i = 0; i < keys.length; i += 500) {
		const rows = (await trx(WRITER_LEDGER_TABLE)
			.select('event_key')
			.whereIn('event_key', keys.slice(i, i + 500))) as { event_key: string }[];
		for (const row of rows) found.add(row.event_key);
	}
	return found;
}

type LedgerRow = {
	event_key: string;
	activity: number;
	revision: number | null;
	written_at: number;
	parent_key: string | null;
};

async function insertLedger(trx: Knex.Transaction, rows: LedgerRow[]): Promise<void> {
	for (let i = 0; i < rows.length; i += 500) await trx(WRITER_LEDGER_TABLE).insert(rows.slice(i, i + 500));
}

function activityRow(dialect: Dialect, e: ActivityEvent): Record<string, unknown> {
	return {
		action: e.action,
		user: e.user,
		timestamp: dialect.timestampValue(e.at),
		ip: e.ip,
		user_agent: e.user_agent,
		origin: e.origin,
		collection: e.collection,
		item: e.item,
	};
}

function revisionRow(e: ActivityEvent, activity: number): Record<string, unknown> {
	const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
	return {
		activity,
		collection: e.collection,
		item: e.item,
		data: json(e.revision?.data),
		delta: json(e.revision?.delta),
	};
}

// Nested writes are rare, so one UPDATE per child is fine; the parent may sit in an earlier batch (ledger).
// Returns the children whose parent is not written yet (another instance's batch), by key, with that parent's key.
async function linkParents(
	trx: Knex.Transaction,
	events: ActivityEvent[],
	revisionByKey: Map<string, number>,
	batchKeys: Set<string>,
): Promise<Map<string, string>> {
	const waiting = new Map<string, string>();
	for (const event of events) {
		const parentKey = event.revision?.parentKey;
		if (!parentKey) continue;
		let parent = revisionByKey.get(parentKey) ?? null;
		if (parent === null) {
			const row = (await trx(WRITER_LEDGER_TABLE).select('revision').where('event_key', parentKey).first()) as
				{ revision: number | string | null } | undefined;
			if (row === undefined && !batchKeys.has(parentKey)) waiting.set(event.key, parentKey);
			parent = row?.revision === null || row?.revision === undefined ? null : Number(row.revision);
		}
		if (parent !== null) await trx('directus_revisions').update({ parent }).where('id', revisionByKey.get(event.key)!);
	}
	return waiting;
}

/** Revisions written before this batch that wait for one of its events as their parent get the link now. */
async function adoptWaitingChildren(
	trx: Knex.Transaction,
	fresh: ActivityEvent[],
	revisionByKey: Map<string, number>,
): Promise<void> {
	for (let i = 0; i < fresh.length; i += 500) {
		const keys = fresh.slice(i, i + 500).map((e) => e.key);
		const children = (await trx(WRITER_LEDGER_TABLE).select('revision', 'parent_key').whereIn('parent_key', keys)) as {
			revision: number | string | null;
			parent_key: string;
		}[];
		if (children.length === 0) continue;
		for (const child of children) {
			const parent = revisionByKey.get(child.parent_key);
			if (parent !== undefined && child.revision !== null)
				await trx('directus_revisions').update({ parent }).where('id', Number(child.revision)).whereNull('parent');
		}
		await trx(WRITER_LEDGER_TABLE).update({ parent_key: null }).whereIn('parent_key', keys);
	}
}
