import type { Knex } from 'knex';
import { type Dialect } from '../schema/dialect';
import { stagedMemberIds } from './member-dictionary';
import { encodeMemberCounts, visitMemberCounts } from './member-count-codec';
import { MEMBER_QUARTERS_TABLE, type MemberKind } from '../schema/member-tables';

const CHUNK = 200;
const QUARTER_SECONDS = 900;

export interface QuarterKey {
	bucket: number;
	collection: string;
}

interface QuarterChange extends QuarterKey {
	deltas: Map<number, number>;
	none: number;
}

const keyOf = (key: QuarterKey) => `${key.bucket}\u0000${key.collection}`;

/**
 * Reads the vectors of the changed quarter hours, applies `change` to each (events per id, and events with no
 * member) and writes back the ones that changed, deleting the emptied.
 */
async function rewriteQuarters(
	trx: Knex.Transaction,
	kind: MemberKind,
	keys: readonly QuarterKey[],
	change: (key: QuarterKey, counts: Map<number, number>, none: number) => number,
): Promise<void> {
	const current = new Map<string, Buffer>();
	const buckets = [...new Set(keys.map((key) => key.bucket))];
	for (let i = 0; i < buckets.length; i += CHUNK) {
		const rows: { bucket: number | string; collection: string; counts: Buffer }[] = await trx(MEMBER_QUARTERS_TABLE)
			.where({ kind })
			.whereIn('bucket', buckets.slice(i, i + CHUNK))
			.select('bucket', 'collection', 'counts');
		for (const row of rows) current.set(keyOf({ bucket: Number(row.bucket), collection: row.collection }), row.counts);
	}
	const writes: { kind: MemberKind; bucket: number; collection: string; counts: Buffer }[] = [];
	for (const key of keys) {
		const before = current.get(keyOf(key));
		const counts = new Map<number, number>();
		const noneBefore = before ? visitMemberCounts(before, (id, count) => counts.set(id, count)) : 0;
		const none = change(key, counts, noneBefore);
		for (const [id, count] of counts) if (count <= 0) counts.delete(id);
		if (counts.size === 0 && none <= 0) {
			if (before)
				await trx(MEMBER_QUARTERS_TABLE).where({ kind, bucket: key.bucket, collection: key.collection }).delete();
			continue;
		}
		const encoded = encodeMemberCounts(counts, none);
		if (!before || !encoded.equals(before))
			writes.push({ kind, bucket: key.bucket, collection: key.collection, counts: encoded });
	}
	for (let i = 0; i < writes.length; i += 100) {
		await trx(MEMBER_QUARTERS_TABLE)
			.insert(writes.slice(i, i + 100))
			.onConflict(['kind', 'bucket', 'collection'])
			.merge(['counts']);
	}
}

/**
 * Adds (sign 1) or subtracts (sign -1) the staged batch's events per quarter hour, collection and member to
 * the quarter vectors, in the caller's transaction. `ids` holds the dictionary id of every non-empty value staged.
 */
export async function applyStagedQuarters(
	trx: Knex.Transaction,
	dialect: Dialect,
	batchTable: string,
	kind: MemberKind,
	sign: 1 | -1,
	ids: ReadonlyMap<string, number>,
): Promise<void> {
	const q = (name: string) => dialect.quote(name);
	const rows = dialect.rows<{ bucket: number | string; collection: string; v: string; n: number | string }>(
		await trx.raw(
			`select ${q('bucket')}, ${q('collection')}, ${q(kind)} as ${q('v')}, sum(${q('n')}) as ${q('n')} from ${q(batchTable)} group by 1, 2, 3`,
		),
	);
	if (rows.length === 0) return;
	const idOf = await stagedMemberIds(trx, kind, ids);
	const changes = new Map<string, QuarterChange>();
	for (const row of rows) {
		const n = sign * Number(row.n);
		const id = idOf(row.v);
		const key = { bucket: Number(row.bucket), collection: row.collection };
		let change = changes.get(keyOf(key));
		if (!change) changes.set(keyOf(key), (change = { ...key, deltas: new Map(), none: 0 }));
		if (id === null) change.none += n;
		else change.deltas.set(id, (change.deltas.get(id) ?? 0) + n);
	}
	await rewriteQuarters(trx, kind, [...changes.values()], (key, counts, none) => {
		const change = changes.get(keyOf(key))!;
		for (const [id, delta] of change.deltas) counts.set(id, (counts.get(id) ?? 0) + delta);
		return none + change.none;
	});
}

/** Takes one member out of the quarter vectors of the given hours (an erased user's rollup rows deleted outright). */
export async function removeMemberFromQuarters(
	trx: Knex.Transaction,
	kind: MemberKind,
	id: number,
	hours: readonly QuarterKey[],
): Promise<void> {
	const keys = new Map<string, QuarterKey>();
	for (const hour of hours) {
		for (let bucket = hour.bucket; bucket < hour.bucket + 3_600; bucket += QUARTER_SECONDS)
			keys.set(keyOf({ bucket, collection: hour.collection }), { bucket, collection: hour.collection });
	}
	await rewriteQuarters(trx, kind, [...keys.values()], (_, counts, none) => {
		counts.delete(id);
		return none;
	});
}

/** Merges renamed members' events into their new ids in every quarter vector of [from, to) (anonymization). */
export async function renameMembersInQuarters(
	trx: Knex.Transaction,
	kind: MemberKind,
	replace: ReadonlyMap<number, number>,
	from: number,
	to: number,
): Promise<void> {
	if (replace.size === 0) return;
	const keys = (
		(await trx(MEMBER_QUARTERS_TABLE)
			.where({ kind })
			.andWhere('bucket', '>=', from)
			.andWhere('bucket', '<', to)
			.select('bucket', 'collection')) as { bucket: number | string; collection: string }[]
	).map((row) => ({ bucket: Number(row.bucket), collection: row.collection }));
	await rewriteQuarters(trx, kind, keys, (_, counts, none) => {
		for (const [oldId, newId] of replace) {
			const count = counts.get(oldId);
			if (count === undefined) continue;
			counts.delete(oldId);
			counts.set(newId, (counts.get(newId) ?? 0) + count);
		}
		return none;
	});
}
