import type { Knex } from 'knex';
import { WRITER_LEDGER_TABLE } from '../schema/writer-tables';

const sequences = new Map<string, string>();

async function sequenceOf(trx: Knex.Transaction, table: string): Promise<string> {
	let name = sequences.get(table);
	if (!name) {
		const result = await trx.raw<{ rows: { name: string | null }[] }>(
			`select pg_get_serial_sequence(?, 'id') as name`,
			[table],
		);
		name = result.rows[0]?.name ?? undefined;
		if (!name) throw new Error(`${table}.id has no sequence`);
		sequences.set(table, name);
	}
	return name;
}

/**
 * PostgreSQL in one statement. The batch arrives as one JSON array (the events as captured); duplicates and
 * events the ledger already holds are left out; ids are drawn from the sequences in capture order; activity,
 * revisions and ledger rows are inserted by data-modifying CTEs. A nested revision's parent is found in this
 * batch or in the ledger; a parent not written yet (another instance's batch) gets the link when it is
 * written, through the ledger's `parent_key`. Foreign keys are checked at the end of the statement, so a
 * revision may point at an activity row, or a parent revision, inserted beside it. Returns how many events
 * were written.
 */
export async function writeBatchPostgres(trx: Knex.Transaction, eventsJson: string): Promise<number> {
	const activitySequence = await sequenceOf(trx, 'directus_activity');
	const revisionSequence = await sequenceOf(trx, 'directus_revisions');
	const ledger = `"${WRITER_LEDGER_TABLE}"`;
	const result = await trx.raw<{ rows: { written: string }[] }>(
		`with input as materialized (
			select distinct on (key) * from json_to_recordset(?::json) as x(key uuid, action text, "user" uuid, at bigint, seq bigint, ip text,
				user_agent text, origin text, collection text, item text, revised boolean, data json, delta json, "parentKey" uuid)
			order by key
		), fresh as materialized (
			select s.*, nextval(?::regclass) as activity_id, case when s.revised then nextval(?::regclass) end as revision_id
			from (
				select i.* from input i
				where not exists (select 1 from ${ledger} l where l.event_key = i.key)
				order by i.at, i.seq, i.key
			) s
		), children as materialized (
			-- Nested revisions only (rare): their parent in this batch, or written earlier, or not seen yet.
			select c.key, c."parentKey", coalesce(p.revision_id, l.revision) as parent_revision, p.key is null and l.event_key is null as parent_unseen
			from fresh c
			left join fresh p on p.key = c."parentKey"
			left join ${ledger} l on l.event_key = c."parentKey"
			where c.revised and c."parentKey" is not null
		), activity as (
			insert into directus_activity (id, action, "user", "timestamp", ip, user_agent, origin, collection, item)
			select activity_id, action, "user", to_timestamp(at / 1000.0), ip, user_agent, origin, collection, item from fresh
		), revisions as (
			insert into directus_revisions (id, activity, collection, item, data, delta, parent)
			select c.revision_id, c.activity_id, c.collection, c.item, c.data, c.delta, ch.parent_revision
			from fresh c left join children ch on ch.key = c.key
			where c.revised
		), adopted as (
			-- Revisions written before this batch that wait for one of its events as their parent.
			update directus_revisions r set parent = f.revision_id
			from ${ledger} w join fresh f on f.key = w.parent_key
			where w.parent_key is not null and r.id = w.revision and r.parent is null and f.revision_id is not null
		), settled as (
			update ${ledger} w set parent_key = null
			where w.parent_key is not null and w.parent_key in (select key from fresh)
		), written as (
			insert into ${ledger} (event_key, activity, revision, written_at, parent_key)
			select f.key, f.activity_id, f.revision_id, ?, case when ch.parent_unseen then ch."parentKey" end
			from fresh f left join children ch on ch.key = f.key
		)
		select count(*)::text as written from fresh`,
		[eventsJson, activitySequence, revisionSequence, Date.now()],
	);
	return Number(result.rows[0]?.written ?? 0);
}
