import type { Knex } from 'knex';
import { TypedFastBitSet } from 'typedfastbitset';
import { type Dialect } from '../schema/dialect';
import { encodeMemberSet } from './member-set-codec';
import {
	MEMBER_GRAINS,
	MEMBER_SETS_TABLE,
	MEMBER_SOURCES,
	MEMBERS_TABLE,
	memberSetKeyString,
} from '../schema/member-tables';

/**
 * Derives every member set from the wide rollups (an installation upgrading to migration 011):
 * exact, and without rereading directus_activity. Expects empty member tables.
 */
export async function fillMemberSets(trx: Knex.Transaction | Knex, dialect: Dialect): Promise<number> {
	const q = (name: string) => dialect.quote(name);
	let written = 0;
	for (const { kind, table } of MEMBER_SOURCES) {
		// Dense ids in one statement; the sets are then built by joining the rollup to the dictionary.
		await trx.raw(
			`insert into ${q(MEMBERS_TABLE)} (${q('kind')}, ${q('value')}, ${q('id')}) select ?, ${q('v')}, row_number() over (order by ${q('v')}) - 1 from (select distinct ${q(kind)} as ${q('v')} from ${q(table)} where ${q(kind)} <> '') ${q('d')}`,
			[kind],
		);
		for (const grain of MEMBER_GRAINS) {
			const buckets = (await trx(table).where({ grain: grain.key }).distinct('bucket').orderBy('bucket')).map(
				(row: { bucket: number | string }) => Number(row.bucket),
			);
			for (let i = 0; i < buckets.length; i += 24) {
				const chunk = buckets.slice(i, i + 24);
				const rows = dialect.rows<{ bucket: number | string; collection: string; id: number | string }>(
					await trx.raw(
						`select distinct t.${q('bucket')} as ${q('bucket')}, t.${q('collection')} as ${q('collection')}, m.${q('id')} as ${q('id')} from ${q(table)} t join ${q(MEMBERS_TABLE)} m on m.${q('kind')} = ? and m.${q('value')} = t.${q(kind)} where t.${q('grain')} = ? and t.${q('bucket')} in (${chunk.map(() => '?').join(', ')})`,
						[kind, grain.key, ...chunk],
					),
				);
				const sets = new Map<string, { bucket: number; collection: string; set: TypedFastBitSet }>();
				for (const row of rows) {
					const key = memberSetKeyString({ grain: grain.key, bucket: Number(row.bucket), collection: row.collection });
					const entry = sets.get(key) ?? {
						bucket: Number(row.bucket),
						collection: row.collection,
						set: new TypedFastBitSet(),
					};
					entry.set.add(Number(row.id));
					sets.set(key, entry);
				}
				const inserts = [...sets.values()].map((s) => ({
					kind,
					grain: grain.key,
					bucket: s.bucket,
					collection: s.collection,
					members: encodeMemberSet(s.set),
				}));
				for (let j = 0; j < inserts.length; j += 100) await trx(MEMBER_SETS_TABLE).insert(inserts.slice(j, j + 100));
				written += inserts.length;
			}
		}
	}
	return written;
}
