import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import type { TriggerInfo } from './classify-trigger';

type Action = TriggerInfo['actions'][number];
const ACTION_OF: Record<string, Action> = { INSERT: 'create', UPDATE: 'update', DELETE: 'delete' };

/** Every user-defined trigger in Directus's database (pg_trigger, information_schema, sqlite_master). */
export async function listTriggers(database: Knex): Promise<TriggerInfo[]> {
	const dialect = dialectOf(database);
	if (dialect.name === 'postgres') return listPostgres(database);
	if (dialect.name === 'mysql') return listMysql(database);
	return listSqlite(database);
}

async function listPostgres(database: Knex): Promise<TriggerInfo[]> {
	const result = await database.raw<{
		rows: {
			name: string;
			table: string;
			type: number;
			definition: string;
			body: string;
			calls: string | null;
			total: number | null;
		}[];
	}>(`
		select t.tgname as name, c.relname as "table", t.tgtype as type, pg_get_triggerdef(t.oid) as definition,
		       coalesce(pg_get_functiondef(p.oid), '') as body, s.calls::text as calls, s.total_time as total
		from pg_trigger t
		join pg_class c on c.oid = t.tgrelid
		join pg_namespace n on n.oid = c.relnamespace
		join pg_proc p on p.oid = t.tgfoid
		left join pg_stat_user_functions s on s.funcid = p.oid
		where not t.tgisinternal and n.nspname = current_schema()
		order by c.relname, t.tgname`);
	return result.rows.map((row) => {
		// tgtype bits: 2 before, 4 insert, 8 delete, 16 update, 64 instead of.
		const actions: Action[] = [];
		if (row.type & 4) actions.push('create');
		if (row.type & 16) actions.push('update');
		if (row.type & 8) actions.push('delete');
		const calls = row.calls === null ? null : Number(row.calls);
		return {
			name: row.name,
			table: row.table,
			actions,
			timing: row.type & 64 ? 'instead of' : row.type & 2 ? 'before' : 'after',
			definition: row.definition,
			body: row.body,
			cost:
				calls === null
					? null
					: { calls, totalMs: Number(row.total ?? 0), meanMs: calls > 0 ? Number(row.total ?? 0) / calls : 0 },
		};
	});
}

async function listMysql(database: Knex): Promise<TriggerInfo[]> {
	const [rows] = (await database.raw(
		`select TRIGGER_NAME as name, EVENT_OBJECT_TABLE as tbl, EVENT_MANIPULATION as event, ACTION_TIMING as timing, ACTION_STATEMENT as body
		 from information_schema.TRIGGERS where TRIGGER_SCHEMA = database() order by EVENT_OBJECT_TABLE, TRIGGER_NAME`,
	)) as [{ name: string; tbl: string; event: string; timing: string; body: string }[]];
	return rows.map((row) => ({
		name: row.name,
		table: row.tbl,
		actions: [ACTION_OF[row.event]!].filter(Boolean),
		timing: row.timing.toLowerCase() === 'before' ? 'before' : 'after',
		// Re-creatable without the DEFINER clause SHOW CREATE TRIGGER would add.
		definition: `CREATE TRIGGER \`${row.name}\` ${row.timing} ${row.event} ON \`${row.tbl}\` FOR EACH ROW ${row.body}`,
		body: row.body,
		cost: null,
	}));
}

async function listSqlite(database: Knex): Promise<TriggerInfo[]> {
	const rows = (await database.raw(
		`select name, tbl_name as tbl, sql from sqlite_master where type = 'trigger' order by tbl_name, name`,
	)) as { name: string; tbl: string; sql: string }[];
	return rows.map((row) => {
		const head = row.sql.slice(0, row.sql.search(/\bbegin\b/i) >= 0 ? row.sql.search(/\bbegin\b/i) : row.sql.length);
		const event = /\b(insert|update|delete)\b/i.exec(head)?.[1]?.toUpperCase() ?? '';
		return {
			name: row.name,
			table: row.tbl,
			actions: [ACTION_OF[event]!].filter(Boolean),
			timing: /\bbefore\b/i.test(head) ? 'before' : /\binstead\s+of\b/i.test(head) ? 'instead of' : 'after',
			definition: row.sql,
			body: row.sql,
			cost: null,
		};
	});
}
