import type { Knex } from 'knex';
import { WRITER_LEDGER_TABLE } from '../writer/writer-tables';

const sequences = new Map<string, string>();

async function sequenceOf(trx: Knex.Transaction, table: string): Promise<string> {
	let name = sequences.get(table);
	if (!name) {
		const result = await trx.raw<{ rows: { name: string | null }[] }>(`select pg_get_serial_sequence(?, 'id') as name`, [table]);
		name = result.rows[0]?.name ?? undefined;
		if (!name) throw new Error(`${table}.id has no sequence`);
		sequences.set(table, name);
	}
	return name;
}

/**
 * PostgreSQL in one statement. The batch arrives as one JSON array (the events as captured); duplicates and
 * events the ledger already holds are left out; ids are drawn from the sequences in capture order; activity,
 * revisions (with their parent, found in this batch or in the ledger) and ledger rows are inserted by
 * data-modifying CTEs. Foreign keys are checked at the end of the statement, so a revision may point at an
 * activity row, or a parent revision, inserted beside it. Returns how many events were written.
 */
export async function writeBatchPostgres(trx: Knex.Transaction, eventsJson: string): Promise<number> {
	const activitySequence = await sequenceOf(trx, 'directus_activity');
	const revisionSequence = await sequenceOf(trx, 'directus_revisions');
	const result = await trx.raw<{ rows: { written: string }[] }>(
		`with input as materialized (
			select distinct on (key) * from json_to_recordset(?::json) as x(key uuid, action text, "user" uuid, at bigint, seq bigint, ip text,
				user_agent text, origin text, collection text, item text, revised boolean, data json, delta json, "parentKey" uuid)
			order by key
		), fresh as materialized (
			select s.*, nextval(?::regclass) as activity_id, case when s.revised then nextval(?::regclass) end as revision_id
			from (
				select i.* from input i
				where not exists (select 1 from "${WRITER_LEDGER_TABLE}" l where l.event_key = i.key)
				order by i.at, i.seq, i.key
			) s
		), activity as (
			insert into directus_activity (id, action, "user", "timestamp", ip, user_agent, origin, collection, item)
			select activity_id, action, "user", to_timestamp(at / 1000.0), ip, user_agent, origin, collection, item from fresh
		), revisions as (
			insert into directus_revisions (id, activity, collection, item, data, delta, parent)
			select c.revision_id, c.activity_id, c.collection, c.item, c.data, c.delta,
				-- Looked up only for the rare nested write: a join here would scan the batch once per row.
				case when c."parentKey" is not null then coalesce(
					(select p.revision_id from fresh p where p.key = c."parentKey"),
					(select l.revision from "${WRITER_LEDGER_TABLE}" l where l.event_key = c."parentKey")
				) end
			from fresh c
			where c.revised
		), ledger as (
			insert into "${WRITER_LEDGER_TABLE}" (event_key, activity, revision, written_at)
			select key, activity_id, revision_id, ? from fresh
		)
		select count(*)::text as written from fresh`,
		[eventsJson, activitySequence, revisionSequence, Date.now()],
	);
	return Number(result.rows[0]?.written ?? 0);
}
