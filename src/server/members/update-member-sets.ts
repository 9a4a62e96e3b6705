import type { Knex } from 'knex';
import { TypedFastBitSet } from 'typedfastbitset';
import { type Dialect } from '../schema/dialect';
import { ensureMemberIds, forgetMembers, lookupMemberIds } from './member-dictionary';
import { dimensionKeys } from '../schema/dimension-keys';
import { addEncodedMembers, encodeMemberSet } from './member-set-codec';
import { applyStagedCounts, rebuildMemberCounts, rebuildMemberCountsInRange } from './update-member-counts';
import { applyStagedQuarters, removeMemberFromQuarters, renameMembersInQuarters } from './update-member-quarters';
import {
	MEMBER_GRAINS,
	MEMBER_SETS_TABLE,
	MEMBER_SOURCES,
	memberSetKeyString,
	type MemberKind,
	type MemberSetKey,
} from '../schema/member-tables';

const CHUNK = 200;

type Change = { key: MemberSetKey; ids: number[] };

function floorTo(dialect: Dialect, column: string, seconds: number): string {
	return `${dialect.floorDiv(column, seconds)} * ${seconds}`;
}

/** Reads the sets of these keys, applies `change` to each and writes back the ones that changed. */
async function rewriteSets(
	trx: Knex.Transaction,
	kind: MemberKind,
	changes: Map<string, Change>,
	change: (set: TypedFastBitSet, ids: number[]) => void,
): Promise<void> {
	const byGrain = new Map<string, Set<number>>();
	for (const { key } of changes.values()) byGrain.set(key.grain, (byGrain.get(key.grain) ?? new Set()).add(key.bucket));
	const current = new Map<string, Buffer>();
	for (const [grain, buckets] of byGrain) {
		const list = [...buckets];
		for (let i = 0; i < list.length; i += CHUNK) {
			const rows: { bucket: number | string; collection: string; members: Buffer }[] = await trx(MEMBER_SETS_TABLE)
				.where({ kind, grain })
				.whereIn('bucket', list.slice(i, i + CHUNK))
				.select('bucket', 'collection', 'members');
			for (const row of rows)
				current.set(memberSetKeyString({ grain, bucket: Number(row.bucket), collection: row.collection }), row.members);
		}
	}
	const writes: { kind: MemberKind; grain: string; bucket: number; collection: string; members: Buffer }[] = [];
	const deletes: MemberSetKey[] = [];
	for (const [keyString, { key, ids }] of changes) {
		const set = new TypedFastBitSet();
		const before = current.get(keyString);
		if (before) addEncodedMembers(set, before);
		const size = set.size();
		change(set, ids);
		// Adding and removing only ever grow or shrink a set: the same size means nothing changed.
		if (set.size() === size) continue;
		if (set.isEmpty()) {
			if (before) deletes.push(key);
		} else {
			writes.push({ kind, ...key, members: encodeMemberSet(set) });
		}
	}
	for (let i = 0; i < writes.length; i += 100) {
		await trx(MEMBER_SETS_TABLE)
			.insert(writes.slice(i, i + 100))
			.onConflict(['kind', 'grain', 'bucket', 'collection'])
			.merge(['members']);
	}
	for (const key of deletes)
		await trx(MEMBER_SETS_TABLE)
			.where({ kind, ...key })
			.delete();
}

const addIds = (set: TypedFastBitSet, ids: number[]) => {
	for (const id of ids) set.add(id);
};
const removeIds = (set: TypedFastBitSet, ids: number[]) => {
	for (const id of ids) set.remove(id);
};

function collect(changes: Map<string, Change>, key: MemberSetKey, id: number): void {
	const keyString = memberSetKeyString(key);
	const entry = changes.get(keyString) ?? { key, ids: [] };
	entry.ids.push(id);
	changes.set(keyString, entry);
}

/**
 * Adds the members of the staged batch (quarter-hour rows, see rollup-batch.ts) to the sets of their hour
 * and day, in the refresh's transaction.
 */
export async function addStagedMembers(trx: Knex.Transaction, dialect: Dialect, batchTable: string): Promise<void> {
	const q = (name: string) => dialect.quote(name);
	for (const { kind } of MEMBER_SOURCES) {
		const rows = dialect.rows<{ hour: number | string; collection: string; v: string }>(
			await trx.raw(
				`select distinct ${floorTo(dialect, q('bucket'), 3600)} as ${q('hour')}, ${q('collection')}, ${q(kind)} as ${q('v')} from ${q(batchTable)} where ${q(kind)} <> ''`,
			),
		);
		const ids = await ensureMemberIds(
			trx,
			kind,
			rows.map((r) => r.v),
		);
		await applyStagedCounts(trx, dialect, batchTable, kind, 1, ids);
		await applyStagedQuarters(trx, dialect, batchTable, kind, 1, ids);
		if (rows.length === 0) continue;
		const changes = new Map<string, Change>();
		for (const row of rows) {
			const id = ids.get(row.v);
			if (id === undefined) throw new Error(`member "${row.v}" has no id`);
			const hour = Number(row.hour);
			for (const grain of MEMBER_GRAINS)
				collect(
					changes,
					{ grain: grain.key, bucket: Math.floor(hour / grain.seconds) * grain.seconds, collection: row.collection },
					id,
				);
		}
		await rewriteSets(trx, kind, changes, addIds);
	}
}

/**
 * After a batch was subtracted from the rollups (erasure), takes out of each hour's and day's set the members
 * the wide rollup no longer holds in that collection there. Runs after the emptied rollup rows were deleted.
 */
export async function removeVanishedMembers(
	trx: Knex.Transaction,
	dialect: Dialect,
	batchTable: string,
	daysClosedBefore: number,
): Promise<void> {
	const q = (name: string) => dialect.quote(name);
	const closed = Math.trunc(daysClosedBefore);
	for (const { kind, table, presence } of MEMBER_SOURCES) {
		const changes = new Map<string, Change>();
		const vanished = new Set<string>();
		for (const grain of MEMBER_GRAINS) {
			const bucket = floorTo(dialect, `b.${q('bucket')}`, grain.seconds);
			const sameMember = `t.${q('collection')} = b.${q('collection')} and t.${q(kind)} = b.${q(kind)}`;
			// A day not closed yet has only its hour rows in the wide tables (close-buckets.ts): its staged rows are
			// checked against those, apart, so the rows of closed days keep their one-key look-up.
			const checks =
				grain.key === 'd'
					? [
							`b.${q('bucket')} < ${closed} and not exists (select 1 from ${q(table)} t where t.${q('grain')} = 'd' and t.${q('bucket')} = ${bucket} and ${sameMember})`,
							`b.${q('bucket')} >= ${closed} and not exists (select 1 from ${q(table)} t where t.${q('grain')} = 'h' and t.${q('bucket')} >= ${closed} and t.${q('bucket')} >= ${bucket} and t.${q('bucket')} < ${bucket} + 86400 and ${sameMember})`,
						]
					: [
							`not exists (select 1 from ${q(table)} t where t.${q('grain')} = '${grain.key}' and t.${q('bucket')} = ${bucket} and ${sameMember})`,
						];
			const rows: { bucket: number | string; collection: string; v: string }[] = [];
			for (const check of checks) {
				rows.push(
					...dialect.rows<{ bucket: number | string; collection: string; v: string }>(
						await trx.raw(
							`select distinct ${bucket} as ${q('bucket')}, b.${q('collection')} as ${q('collection')}, b.${q(kind)} as ${q('v')} from ${q(batchTable)} b where b.${q(kind)} <> '' and ${check}`,
						),
					),
				);
			}
			if (rows.length === 0) continue;
			const ids = await lookupMemberIds(
				trx,
				kind,
				rows.map((r) => r.v),
			);
			for (const row of rows) {
				const id = ids.get(row.v);
				if (id !== undefined)
					collect(changes, { grain: grain.key, bucket: Number(row.bucket), collection: row.collection }, id);
				vanished.add(row.v);
			}
		}
		if (changes.size > 0) await rewriteSets(trx, kind, changes, removeIds);
		const staged = dialect.rows<{ v: string }>(
			await trx.raw(`select distinct ${q(kind)} as ${q('v')} from ${q(batchTable)} where ${q(kind)} <> ''`),
		);
		const stagedIds = await lookupMemberIds(
			trx,
			kind,
			staged.map((r) => r.v),
		);
		await applyStagedCounts(trx, dialect, batchTable, kind, -1, stagedIds);
		await applyStagedQuarters(trx, dialect, batchTable, kind, -1, stagedIds);
		// A value gone from every bucket (an IP only the erased user had) leaves the dictionary too.
		// Compared by the database's key: on MySQL the rollup may hold "fe80::a" for a vanished "FE80::A".
		const candidates = [...vanished];
		const keyOf = (await dimensionKeys(trx))[kind];
		for (let i = 0; i < candidates.length; i += CHUNK) {
			const chunk = candidates.slice(i, i + CHUNK);
			const present = new Set(
				(
					await trx(presence)
						.where((held) =>
							held.where({ grain: 'd' }).orWhere((open) => open.where({ grain: 'h' }).andWhere('bucket', '>=', closed)),
						)
						.whereIn(kind, chunk)
						.distinct(kind)
				).map((row: Record<string, string>) => keyOf(row[kind]!)),
			);
			await forgetMembers(
				trx,
				kind,
				chunk.filter((value) => !present.has(keyOf(value))),
			);
		}
	}
}

/**
 * Takes members out of the sets of the given keys, and rewrites those buckets' count vectors, after rollup
 * rows were deleted outright (an erased user).
 */
export async function removeMembersFromSets(
	trx: Knex.Transaction,
	dialect: Dialect,
	kind: MemberKind,
	value: string,
	keys: readonly MemberSetKey[],
): Promise<void> {
	const id = (await lookupMemberIds(trx, kind, [value])).get(value);
	if (id === undefined || keys.length === 0) return;
	const changes = new Map<string, Change>();
	for (const key of keys) collect(changes, key, id);
	await rewriteSets(trx, kind, changes, removeIds);
	for (const grain of MEMBER_GRAINS) {
		await rebuildMemberCounts(
			trx,
			dialect,
			kind,
			grain.key,
			keys.filter((key) => key.grain === grain.key).map((key) => key.bucket),
		);
	}
	await removeMemberFromQuarters(
		trx,
		kind,
		id,
		keys.filter((key) => key.grain === 'h'),
	);
}

/**
 * Renames members in every set of [from, to) (anonymization merged full IPs into their prefixes), rewrites
 * that range's count vectors, then forgets the old values no later set still holds.
 */
export async function renameMembers(
	trx: Knex.Transaction,
	dialect: Dialect,
	kind: MemberKind,
	mapping: ReadonlyMap<string, string>,
	from: number,
	to: number,
): Promise<void> {
	if (mapping.size === 0) return;
	const oldIds = await lookupMemberIds(trx, kind, mapping.keys());
	const newIds = await ensureMemberIds(trx, kind, mapping.values());
	const replace = new Map<number, number>();
	for (const [oldValue, oldId] of oldIds) replace.set(oldId, newIds.get(mapping.get(oldValue)!)!);
	const renamed = new TypedFastBitSet(replace.keys());
	const stillUsed = new TypedFastBitSet();
	const buckets = (await trx(MEMBER_SETS_TABLE).where({ kind }).distinct('bucket')).map(
		(row: { bucket: number | string }) => Number(row.bucket),
	);
	for (let i = 0; i < buckets.length; i += 50) {
		const rows: { grain: string; bucket: number | string; collection: string; members: Buffer }[] = await trx(
			MEMBER_SETS_TABLE,
		)
			.where({ kind })
			.whereIn('bucket', buckets.slice(i, i + 50))
			.select('grain', 'bucket', 'collection', 'members');
		for (const row of rows) {
			const bucket = Number(row.bucket);
			const set = new TypedFastBitSet();
			addEncodedMembers(set, row.members);
			if (!set.intersects(renamed)) continue;
			const hit = set.clone().intersection(renamed);
			if (bucket < from || bucket >= to) {
				stillUsed.union(hit);
				continue;
			}
			hit.forEach((oldId) => {
				set.remove(oldId);
				set.add(replace.get(oldId)!);
			});
			await trx(MEMBER_SETS_TABLE)
				.where({ kind, grain: row.grain, bucket, collection: row.collection })
				.update({ members: encodeMemberSet(set) });
		}
	}
	await rebuildMemberCountsInRange(trx, dialect, kind, from, to);
	await renameMembersInQuarters(trx, kind, replace, from, to);
	await forgetMembers(
		trx,
		kind,
		[...oldIds].filter(([, id]) => !stillUsed.has(id)).map(([value]) => value),
	);
}
