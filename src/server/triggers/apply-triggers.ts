import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import { DROPPED_TRIGGERS_TABLE } from '../schema/writer-tables';
import { analyzeTriggers } from './analyze-triggers';

export class TriggerSelectionError extends Error {}

/**
 * Drops the audit triggers on Directus collections (or the named ones), saving the SQL that recreates each.
 * One transaction on PostgreSQL and SQLite; MySQL commits each DROP TRIGGER by itself, so there each definition
 * is saved before its trigger goes.
 */
export async function dropAuditTriggers(
	database: Knex,
	names?: string[],
): Promise<{ dropped: { name: string; table: string }[] }> {
	const analysis = await analyzeTriggers(database);
	let targets = analysis.triggers.filter((t) => t.audit && t.collection);
	if (names && names.length > 0) {
		const unknown = names.filter((n) => !analysis.triggers.some((t) => t.name === n));
		if (unknown.length > 0)
			throw new TriggerSelectionError(`unknown trigger${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
		targets = analysis.triggers.filter((t) => names.includes(t.name));
	}
	const dialect = dialectOf(database);
	const drop = async (knex: Knex, t: (typeof targets)[number]) => {
		await knex(DROPPED_TRIGGERS_TABLE).insert({
			collection: t.table,
			trigger_name: t.name,
			definition: t.definition,
			dropped_at: Date.now(),
		});
		await knex.raw(dialect.dropTriggerSql(t.name, t.table));
	};
	if (!dialect.transactionalDdl) for (const t of targets) await drop(database, t);
	else
		await database.transaction(async (trx) => {
			for (const t of targets) await drop(trx, t);
		});
	return { dropped: targets.map((t) => ({ name: t.name, table: t.table })) };
}

/** Recreates every trigger `dropAuditTriggers` saved, and forgets the saved copies. */
export async function restoreTriggers(database: Knex): Promise<{ restored: { name: string; table: string }[] }> {
	const saved = (await database(DROPPED_TRIGGERS_TABLE)
		.select('id', 'collection', 'trigger_name', 'definition')
		.orderBy('id')) as { id: number; collection: string; trigger_name: string; definition: string }[];
	const existing = new Set((await analyzeTriggers(database)).triggers.map((t) => `${t.table}.${t.name}`));
	const restore = async (knex: Knex, row: (typeof saved)[number]) => {
		if (!existing.has(`${row.collection}.${row.trigger_name}`)) await knex.raw(row.definition);
		await knex(DROPPED_TRIGGERS_TABLE).where({ id: row.id }).delete();
	};
	if (!dialectOf(database).transactionalDdl) for (const row of saved) await restore(database, row);
	else
		await database.transaction(async (trx) => {
			for (const row of saved) await restore(trx, row);
		});
	return { restored: saved.map((r) => ({ name: r.trigger_name, table: r.collection })) };
}
