import type { Knex } from 'knex';

const WRITER_LEDGER_TABLE = 'activity_analytics_writer_ledger';
const EVENT_KEY_LENGTH = 36;

export const name = '20261130-013-pending-parent-links';

const INDEX = `${WRITER_LEDGER_TABLE}_parent_key`;

/**
 * A nested revision whose parent event has not been written yet (another instance consumed it and has not
 * committed) keeps the parent's event key here; the parent's batch then sets the link and clears the key.
 * Almost every row holds NULL, so PostgreSQL and SQLite index only the rows that wait.
 */
export async function up(knex: Knex): Promise<void> {
	const client = String(knex.client.config.client);
	const dialect =
		client === 'pg' || client === 'postgres' ? 'postgres' : client.startsWith('mysql') ? 'mysql' : 'sqlite';
	if (await knex.schema.hasColumn(WRITER_LEDGER_TABLE, 'parent_key')) return;
	await knex.schema.alterTable(WRITER_LEDGER_TABLE, (t) => {
		if (dialect === 'postgres') t.uuid('parent_key').nullable();
		else t.string('parent_key', EVENT_KEY_LENGTH).nullable();
	});
	if (dialect === 'mysql') await knex.schema.alterTable(WRITER_LEDGER_TABLE, (t) => t.index(['parent_key'], INDEX));
	else await knex.raw(`create index ${INDEX} on ${WRITER_LEDGER_TABLE} (parent_key) where parent_key is not null`);
}

export async function down(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasColumn(WRITER_LEDGER_TABLE, 'parent_key'))) return;
	if (String(knex.client.config.client).startsWith('mysql'))
		await knex.schema.alterTable(WRITER_LEDGER_TABLE, (t) => t.dropIndex(['parent_key'], INDEX));
	else await knex.raw(`drop index if exists ${INDEX}`);
	await knex.schema.alterTable(WRITER_LEDGER_TABLE, (t) => t.dropColumn('parent_key'));
}
