import type { Knex } from 'knex';
import { type Dialect } from '../schema/dialect';
import { stagedMemberIds } from './member-dictionary';
import { visitMemberCounts, encodeMemberCounts } from './member-count-codec';
import {
	COUNT_SOURCES,
	MEMBER_COUNTS_TABLE,
	MEMBER_GRAINS,
	MEMBERS_TABLE,
	type MemberKind,
} from '../schema/member-tables';

const CHUNK = 200;

interface CountChange {
	grain: string;
	bucket: number;
	deltas: Map<number, number>;
	none: number;
}

const keyOf = (grain: string, bucket: number) => `${grain}\u0000${bucket}`;

/** Reads the vectors of the changed buckets, adds the deltas and writes back (or deletes the emptied). */
async function applyCountChanges(
	trx: Knex.Transaction,
	kind: MemberKind,
	changes: Map<string, CountChange>,
): Promise<void> {
	const byGrain = new Map<string, number[]>();
	for (const { grain, bucket } of changes.values()) byGrain.set(grain, [...(byGrain.get(grain) ?? []), bucket]);
	const current = new Map<string, Buffer>();
	for (const [grain, buckets] of byGrain) {
		for (let i = 0; i < buckets.length; i += CHUNK) {
			const rows: { bucket: number | string; counts: Buffer }[] = await trx(MEMBER_COUNTS_TABLE)
				.where({ kind, grain })
				.whereIn('bucket', buckets.slice(i, i + CHUNK))
				.select('bucket', 'counts');
			for (const row of rows) current.set(keyOf(grain, Number(row.bucket)), row.counts);
		}
	}
	const writes: { kind: MemberKind; grain: string; bucket: number; counts: Buffer }[] = [];
	for (const [key, change] of changes) {
		const counts = new Map<number, number>();
		const before = current.get(key);
		let none = before ? visitMemberCounts(before, (id, count) => counts.set(id, count)) : 0;
		for (const [id, delta] of change.deltas) {
			const count = (counts.get(id) ?? 0) + delta;
			if (count > 0) counts.set(id, count);
			else counts.delete(id);
		}
		none += change.none;
		if (counts.size === 0 && none <= 0) {
			if (before) await trx(MEMBER_COUNTS_TABLE).where({ kind, grain: change.grain, bucket: change.bucket }).delete();
		} else {
			writes.push({ kind, grain: change.grain, bucket: change.bucket, counts: encodeMemberCounts(counts, none) });
		}
	}
	for (let i = 0; i < writes.length; i += 100) {
		await trx(MEMBER_COUNTS_TABLE)
			.insert(writes.slice(i, i + 100))
			.onConflict(['kind', 'grain', 'bucket'])
			.merge(['counts']);
	}
}

/**
 * Adds (sign 1) or subtracts (sign -1) the staged batch's events per member to the count vectors of their
 * hour and day, in the caller's transaction. `ids` holds the dictionary id of every non-empty value staged.
 */
export async function applyStagedCounts(
	trx: Knex.Transaction,
	dialect: Dialect,
	batchTable: string,
	kind: MemberKind,
	sign: 1 | -1,
	ids: ReadonlyMap<string, number>,
): Promise<void> {
	const q = (name: string) => dialect.quote(name);
	const rows = dialect.rows<{ hour: number | string; v: string; n: number | string }>(
		await trx.raw(
			`select ${dialect.floorDiv(q('bucket'), 3600)} * 3600 as ${q('hour')}, ${q(kind)} as ${q('v')}, sum(${q('n')}) as ${q('n')} from ${q(batchTable)} group by 1, 2`,
		),
	);
	const idOf = await stagedMemberIds(trx, kind, ids);
	const changes = new Map<string, CountChange>();
	for (const row of rows) {
		const n = sign * Number(row.n);
		const id = idOf(row.v);
		for (const grain of MEMBER_GRAINS) {
			const bucket = Math.floor(Number(row.hour) / grain.seconds) * grain.seconds;
			const key = keyOf(grain.key, bucket);
			let change = changes.get(key);
			if (!change) changes.set(key, (change = { grain: grain.key, bucket, deltas: new Map(), none: 0 }));
			if (id === null) change.none += n;
			else change.deltas.set(id, (change.deltas.get(id) ?? 0) + n);
		}
	}
	if (changes.size > 0) await applyCountChanges(trx, kind, changes);
}

/**
 * Rewrites the vectors of these buckets from the rollup they mirror (after an erasure deleted rows outright,
 * after anonymization merged IPs, or to fill them on upgrade). Every non-empty value must be in the dictionary.
 */
export async function rebuildMemberCounts(
	trx: Knex.Transaction | Knex,
	dialect: Dialect,
	kind: MemberKind,
	grain: string,
	buckets: readonly number[],
): Promise<number> {
	const q = (name: string) => dialect.quote(name);
	const { table } = COUNT_SOURCES.find((source) => source.kind === kind)!;
	let written = 0;
	const unique = [...new Set(buckets)].sort((a, b) => a - b);
	for (let i = 0; i < unique.length; i += 24) {
		const chunk = unique.slice(i, i + 24);
		const rows = dialect.rows<{
			bucket: number | string;
			v: string;
			id: number | string | null;
			events: number | string;
		}>(
			await trx.raw(
				`select t.${q('bucket')} as ${q('bucket')}, t.${q(kind)} as ${q('v')}, m.${q('id')} as ${q('id')}, t.${q('events')} as ${q('events')} from ${q(table)} t left join ${q(MEMBERS_TABLE)} m on m.${q('kind')} = ? and m.${q('value')} = t.${q(kind)} where t.${q('grain')} = ? and t.${q('bucket')} in (${chunk.map(() => '?').join(', ')})`,
				[kind, grain, ...chunk],
			),
		);
		const vectors = new Map<number, { counts: Map<number, number>; none: number }>();
		for (const row of rows) {
			const bucket = Number(row.bucket);
			let vector = vectors.get(bucket);
			if (!vector) vectors.set(bucket, (vector = { counts: new Map(), none: 0 }));
			if (row.v === '') vector.none += Number(row.events);
			else if (row.id === null || row.id === undefined) throw new Error(`member "${row.v}" has no id`);
			else vector.counts.set(Number(row.id), Number(row.events));
		}
		await trx(MEMBER_COUNTS_TABLE).where({ kind, grain }).whereIn('bucket', chunk).delete();
		const inserts = [...vectors].map(([bucket, v]) => ({
			kind,
			grain,
			bucket,
			counts: encodeMemberCounts(v.counts, v.none),
		}));
		for (let j = 0; j < inserts.length; j += 100) await trx(MEMBER_COUNTS_TABLE).insert(inserts.slice(j, j + 100));
		written += inserts.length;
	}
	return written;
}

/** Rebuilds the vectors of every bucket in [from, to): those the rollup holds and those that may have emptied. */
export async function rebuildMemberCountsInRange(
	trx: Knex.Transaction,
	dialect: Dialect,
	kind: MemberKind,
	from: number,
	to: number,
): Promise<void> {
	const { table } = COUNT_SOURCES.find((source) => source.kind === kind)!;
	for (const grain of MEMBER_GRAINS) {
		const buckets: number[] = [];
		for (const source of [table, MEMBER_COUNTS_TABLE]) {
			const rows: { bucket: number | string }[] = await trx(source)
				.where(source === MEMBER_COUNTS_TABLE ? { kind, grain: grain.key } : { grain: grain.key })
				.andWhere('bucket', '>=', from)
				.andWhere('bucket', '<', to)
				.distinct('bucket');
			buckets.push(...rows.map((row) => Number(row.bucket)));
		}
		await rebuildMemberCounts(trx, dialect, kind, grain.key, buckets);
	}
}

/** Rebuilds every vector of a kind at every grain (upgrade); the dictionary must be filled first. */
export async function fillMemberCounts(trx: Knex.Transaction | Knex, dialect: Dialect): Promise<number> {
	let written = 0;
	for (const { kind, table } of COUNT_SOURCES) {
		for (const grain of MEMBER_GRAINS) {
			const buckets = (await trx(table).where({ grain: grain.key }).distinct('bucket')).map(
				(row: { bucket: number | string }) => Number(row.bucket),
			);
			written += await rebuildMemberCounts(trx, dialect, kind, grain.key, buckets);
		}
	}
	return written;
}
