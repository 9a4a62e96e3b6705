import type { Knex } from 'knex';

type Dialect = 'postgres' | 'mysql' | 'sqlite';

function dialectOf(knex: Knex): Dialect {
	const client = String(knex.client.config.client);
	if (client === 'pg' || client === 'postgres' || client === 'cockroachdb') return 'postgres';
	return client.startsWith('mysql') ? 'mysql' : 'sqlite';
}

function quoteIdentifier(dialect: Dialect, name: string): string {
	return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

const ACTIVITY_INDEXES = [
	{ name: 'activity_analytics_activity_collection_item', table: 'directus_activity', columns: ['collection', 'item'] },
	{ name: 'activity_analytics_activity_user_timestamp', table: 'directus_activity', columns: ['user', 'timestamp'] },
	{
		name: 'activity_analytics_revisions_collection_item',
		table: 'directus_revisions',
		columns: ['collection', 'item'],
	},
	{ name: 'activity_analytics_revisions_activity', table: 'directus_revisions', columns: ['activity'] },
	{ name: 'activity_analytics_revisions_parent', table: 'directus_revisions', columns: ['parent'] },
] as const;

export const name = '20261123-004-activity-indexes';

// CREATE INDEX CONCURRENTLY cannot run inside a transaction; this migration runs outside one, so on PostgreSQL
// a 10M-row directus_activity is never locked against writes while its indexes build.
export const config = { transaction: false };

interface IndexInfo {
	name: string;
	columns: string[];
	valid: boolean;
}

async function indexesOf(knex: Knex, kind: Dialect, table: string): Promise<IndexInfo[]> {
	if (kind === 'postgres') {
		const result = await knex.raw<{ rows: { name: string; columns: string[]; valid: boolean }[] }>(
			`select i.relname as name, x.indisvalid as valid,
				array(select a.attname from unnest(x.indkey) with ordinality k(attnum, ord) join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum order by k.ord)::text[] as columns
			 from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
			 where t.relname = ? and t.relnamespace = current_schema()::regnamespace`,
			[table],
		);
		return result.rows;
	}
	if (kind === 'mysql') {
		const [rows] = (await knex.raw(
			`select index_name as name, column_name as col from information_schema.statistics where table_schema = database() and table_name = ? order by index_name, seq_in_index`,
			[table],
		)) as [{ name: string; col: string }[]];
		const byName = new Map<string, string[]>();
		for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row.col]);
		return [...byName].map(([name, columns]) => ({ name, columns, valid: true }));
	}
	const list = (await knex.raw(`select name from pragma_index_list(?)`, [table])) as { name: string }[];
	const out: IndexInfo[] = [];
	for (const { name: indexName } of list) {
		const columns = (
			(await knex.raw(`select name from pragma_index_info(?) order by seqno`, [indexName])) as { name: string }[]
		).map((c) => c.name);
		out.push({ name: indexName, columns, valid: true });
	}
	return out;
}

export interface IndexSpec {
	name: string;
	table: string;
	columns: readonly string[];
}

/** Adds each index unless one (Directus's own, or ours) already leads with the same columns: idempotent, never doubled. */
export async function createIndexes(knex: Knex, indexes: readonly IndexSpec[]): Promise<void> {
	const kind = dialectOf(knex);
	for (const index of indexes) {
		const existing = await indexesOf(knex, kind, index.table);
		const covered = existing.some((i) => i.valid && index.columns.every((c, n) => i.columns[n] === c));
		if (covered) continue;
		// A concurrent build that failed leaves an invalid index behind: build it again.
		if (kind === 'postgres' && existing.some((i) => i.name === index.name))
			await knex.raw(`drop index concurrently if exists ${quoteIdentifier(kind, index.name)}`);
		const columns = index.columns.map((c) => quoteIdentifier(kind, c)).join(', ');
		if (kind === 'postgres')
			await knex.raw(
				`create index concurrently ${quoteIdentifier(kind, index.name)} on ${quoteIdentifier(kind, index.table)} (${columns})`,
			);
		// MySQL/MariaDB build a secondary index in place without blocking writes.
		else if (kind === 'mysql')
			await knex.raw(
				`create index ${quoteIdentifier(kind, index.name)} on ${quoteIdentifier(kind, index.table)} (${columns}) algorithm=inplace lock=none`,
			);
		else
			await knex.raw(
				`create index ${quoteIdentifier(kind, index.name)} on ${quoteIdentifier(kind, index.table)} (${columns})`,
			);
	}
}

/** Drops only the indexes a migration created (by name); Directus's own stay. */
export async function dropIndexes(knex: Knex, indexes: readonly IndexSpec[]): Promise<void> {
	const kind = dialectOf(knex);
	for (const index of indexes) {
		const existing = await indexesOf(knex, kind, index.table);
		if (!existing.some((i) => i.name === index.name)) continue;
		if (kind === 'postgres') await knex.raw(`drop index concurrently if exists ${quoteIdentifier(kind, index.name)}`);
		else if (kind === 'mysql')
			await knex.raw(`drop index ${quoteIdentifier(kind, index.name)} on ${quoteIdentifier(kind, index.table)}`);
		else await knex.raw(`drop index if exists ${quoteIdentifier(kind, index.name)}`);
	}
}

export async function up(knex: Knex): Promise<void> {
	await createIndexes(knex, ACTIVITY_INDEXES);
}

export async function down(knex: Knex): Promise<void> {
	await dropIndexes(knex, ACTIVITY_INDEXES);
}
