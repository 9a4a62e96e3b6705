import { join } from 'node:path';
import type { Knex } from 'knex';
import { inject } from 'vitest';
import { createDatabase, dropDatabase, openDatabase, runDir } from '../../scripts/host.mjs';

/**
 * An empty database of its own on the host's engine (dropped first if a killed run left it), for tests that
 * must not share state with the running host: migrations, and tests that drive the clock themselves (the
 * host's scheduled refresh runs on the real one).
 */
export async function ownDatabase(name: string): Promise<{ env: Record<string, string>; db: Knex }> {
	const host = inject('host').env;
	const own =
		host['DB_CLIENT'] === 'sqlite3'
			? { ...host, DB_FILENAME: join(runDir, 'own-databases', `${name}.db`) }
			: { ...host, DB_DATABASE: `aa_${name}_${process.pid}` };
	await dropDatabase(own);
	await createDatabase(own);
	return { env: own, db: openDatabase(own) as Knex };
}

/** Directus's two tables, with the columns and types Directus gives them. */
export async function createDirectusActivityTables(db: Knex): Promise<void> {
	await db.schema.createTable('directus_activity', (t) => {
		t.increments('id');
		t.string('action', 45).notNullable();
		t.uuid('user');
		t.timestamp('timestamp', { useTz: true }).notNullable().defaultTo(db.fn.now());
		t.string('ip', 50);
		t.text('user_agent');
		t.string('collection', 64).notNullable();
		t.string('item', 255).notNullable();
		t.string('origin', 255);
	});
	await db.schema.createTable('directus_revisions', (t) => {
		t.increments('id');
		t.integer('activity').notNullable();
		t.string('collection', 64).notNullable();
		t.string('item', 255).notNullable();
		t.json('data');
		t.json('delta');
		t.integer('parent');
		t.uuid('version');
	});
}
