import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TriggerAnalysis, TriggerPlan } from '../../src/server/triggers/analyze-triggers';
import { analyzeTriggers } from '../../src/server/triggers/analyze-triggers';
import { dropAuditTriggers, restoreTriggers } from '../../src/server/triggers/apply-triggers';
import type { TriggerValidation } from '../../src/server/triggers/validate-triggers';
import { api, apiData } from '../support/api';
import { openHostDatabase } from '../support/database';
import { runHostCli } from '../support/host-cli';
import { waitForWriterIdle } from '../support/writer';

let db: Knex;
const client = inject('host').env['DB_CLIENT'];
const COLLECTIONS = [
	'tr_customers',
	'tr_orders',
	'tr_products',
	'tr_invoices',
	'tr_tickets',
	'tr_notes',
	'tr_shipments',
];

async function createCollection(collection: string): Promise<void> {
	await apiData('/collections', {
		method: 'POST',
		body: {
			collection,
			meta: { accountability: 'all' },
			schema: {},
			fields: [
				{
					field: 'id',
					type: 'integer',
					meta: { hidden: true },
					schema: { is_primary_key: true, has_auto_increment: true },
				},
				{ field: 'title', type: 'string' },
			],
		},
	});
}

async function triggerDefinitions(): Promise<string[]> {
	const result = await db.raw<{ rows: { def: string }[] }>(
		`select pg_get_triggerdef(t.oid) as def from pg_trigger t join pg_class c on c.oid = t.tgrelid where not t.tgisinternal and c.relname like 'tr\\_%' order by 1`,
	);
	return result.rows.map((r) => r.def);
}

function cli<T>(args: string[]): { status: number | null; value: T; stderr: string } {
	const result = runHostCli(['analytics', 'triggers', ...args]);
	return { status: result.status, value: JSON.parse(result.last || 'null') as T, stderr: result.stderr };
}

beforeAll(async () => {
	db = openHostDatabase();
	await apiData('/analytics/status');
});

afterAll(async () => {
	await db.destroy();
});

describe.runIf(client === 'pg')(
	'legacy audit triggers on PostgreSQL (21 audit triggers on 7 collections, 2 others)',
	() => {
		let since: Date;

		beforeAll(async () => {
			for (const collection of COLLECTIONS) await createCollection(collection);
			await db.raw(
				`create table audit_log (id bigserial primary key, table_name text not null, op text not null, row_id text, changed_at timestamptz not null default now(), row_data jsonb)`,
			);
			await db.raw(`create function audit_row() returns trigger language plpgsql as $$
			begin
				insert into audit_log (table_name, op, row_id, row_data) values (TG_TABLE_NAME, TG_OP, coalesce(NEW.id, OLD.id)::text, to_jsonb(coalesce(NEW, OLD)));
				return coalesce(NEW, OLD);
			end $$`);
			await db.raw(
				`create function keep_title_trimmed() returns trigger language plpgsql as $$ begin NEW.title := btrim(NEW.title); return NEW; end $$`,
			);
			for (const collection of COLLECTIONS) {
				for (const op of ['insert', 'update', 'delete'])
					await db.raw(
						`create trigger ${collection}_audit_${op} after ${op} on ${collection} for each row execute function audit_row()`,
					);
			}
			await db.raw(
				`create trigger tr_orders_trim before update on tr_orders for each row execute function keep_title_trimmed()`,
			);
			await db.raw(
				`create trigger tr_products_trim before update on tr_products for each row execute function keep_title_trimmed()`,
			);
			// Trigger cost is measured once track_functions is on; sessions opened after this record it.
			await db.raw(`alter database ${db.client.config.connection.database} set track_functions = 'pl'`);
			const measured = openHostDatabase();
			await measured('tr_notes').insert([{ title: 'a' }, { title: 'b' }]);
			await measured('tr_notes').delete();
			await measured.destroy();
			await db('audit_log').delete();
			since = new Date(Date.now() - 1000);
		});

		it('analyze lists every trigger, classifies the audit ones, and reports their cost', async () => {
			const { status, value } = cli<TriggerAnalysis>(['analyze']);
			expect(status).toBe(0);
			expect(value.summary).toEqual({ total: 23, audit: 21, other: 2, onCollections: 23 });
			expect(value.triggers.filter((t) => t.audit).every((t) => t.auditTable === 'audit_log')).toBe(true);
			const notesInsert = value.triggers.find((t) => t.name === 'tr_notes_audit_insert');
			expect(notesInsert).toMatchObject({ actions: ['create'], timing: 'after', collection: 'tr_notes' });
			expect(notesInsert?.cost?.calls).toBeGreaterThanOrEqual(4);
			expect(value.triggers.find((t) => t.name === 'tr_orders_trim')).toMatchObject({
				audit: false,
				timing: 'before',
				reason: 'writes no other table',
			});
		});

		it('plan puts the seven collections under the writer and drops only the audit triggers', () => {
			const { value } = cli<TriggerPlan>(['plan']);
			expect(value.putUnderWriter).toEqual([...COLLECTIONS].sort());
			expect(value.dropTriggers).toHaveLength(21);
			expect(value.keepTriggers.map((t) => t.name).sort()).toEqual(['tr_orders_trim', 'tr_products_trim']);
			expect(value.steps[0]).toBe(`npx directus analytics writer enable ${[...COLLECTIONS].sort().join(' ')}`);
		});

		it('validate finds the same counts per collection and action after a parallel run, and says when they differ', async () => {
			await apiData('/analytics/writer/enable', { method: 'POST', body: { collections: COLLECTIONS } });
			for (const collection of COLLECTIONS) {
				const [a] = await apiData<{ id: number }[]>(`/items/${collection}`, {
					method: 'POST',
					body: [{ title: 'one' }, { title: 'two' }],
				});
				await apiData(`/items/${collection}`, { method: 'POST', body: { title: 'three' } });
				await apiData(`/items/${collection}/${a!.id}`, { method: 'PATCH', body: { title: ' renamed ' } });
				expect((await api(`/items/${collection}`, { method: 'DELETE', body: [a!.id] })).status).toBe(204);
			}
			await waitForWriterIdle();
			const { status, value } = cli<TriggerValidation>(['validate', '--since', since.toISOString()]);
			expect(status).toBe(0);
			expect(value.allMatch).toBe(true);
			expect(value.rows).toHaveLength(21);
			expect(value.rows.find((r) => r.collection === 'tr_notes' && r.action === 'create')).toMatchObject({
				triggers: 3,
				writer: 3,
				match: true,
			});
			expect(value.rows.find((r) => r.collection === 'tr_orders' && r.action === 'delete')).toMatchObject({
				triggers: 1,
				writer: 1,
			});

			await db('audit_log').insert({ table_name: 'tr_notes', op: 'UPDATE', row_id: '999' });
			const differs = cli<TriggerValidation>(['validate', '--since', since.toISOString()]);
			expect(differs.status).toBe(1);
			expect(differs.value.rows.find((r) => r.collection === 'tr_notes' && r.action === 'update')).toMatchObject({
				triggers: 2,
				writer: 1,
				match: false,
			});
			await db('audit_log').where({ row_id: '999' }).delete();
		});

		it('apply drops the 21 audit triggers in one go, saving their SQL; restore puts back the same definitions', async () => {
			const before = await triggerDefinitions();
			expect(before).toHaveLength(23);
			const applied = cli<{ dropped: unknown[] }>(['apply']);
			expect(applied.status).toBe(0);
			expect(applied.value.dropped).toHaveLength(21);
			expect(await triggerDefinitions()).toHaveLength(2);
			expect(await db('activity_analytics_dropped_triggers').count({ n: '*' }).first()).toMatchObject({
				n: expect.anything(),
			});

			// With the triggers gone the writer alone records writes.
			const auditRows = Number((await db('audit_log').count({ n: '*' }).first())?.['n']);
			const writtenBefore = (await waitForWriterIdle()).eventsWritten;
			await apiData('/items/tr_notes', { method: 'POST', body: { title: 'after apply' } });
			expect((await waitForWriterIdle()).eventsWritten - writtenBefore).toBe(1);
			expect(Number((await db('audit_log').count({ n: '*' }).first())?.['n'])).toBe(auditRows);

			const restored = cli<{ restored: unknown[] }>(['restore']);
			expect(restored.status).toBe(0);
			expect(restored.value.restored).toHaveLength(21);
			expect(await triggerDefinitions()).toEqual(before);
			expect(Number((await db('activity_analytics_dropped_triggers').count({ n: '*' }).first())?.['n'])).toBe(0);
		});
	},
);

describe.runIf(client !== 'pg')('legacy audit triggers on SQLite and MariaDB', () => {
	it('finds an audit trigger, drops it with its SQL saved, and restores it', async () => {
		await createCollection('tr_simple');
		await db.raw(
			'create table tr_simple_history (id integer primary key ' +
				(client === 'sqlite3' ? 'autoincrement' : 'auto_increment') +
				', tbl varchar(64), op varchar(10), changed_at timestamp default current_timestamp)',
		);
		const body = "insert into tr_simple_history (tbl, op) values ('tr_simple', 'INSERT')";
		await db.raw(
			client === 'sqlite3'
				? `create trigger tr_simple_ai after insert on tr_simple begin ${body}; end`
				: `create trigger tr_simple_ai after insert on tr_simple for each row ${body}`,
		);
		const analysis = await analyzeTriggers(db);
		expect(analysis.triggers).toEqual([
			expect.objectContaining({
				name: 'tr_simple_ai',
				table: 'tr_simple',
				actions: ['create'],
				audit: true,
				auditTable: 'tr_simple_history',
				collection: 'tr_simple',
			}),
		]);
		expect(analysis.costNote).toMatch(/does not report per-trigger cost/);
		expect((await dropAuditTriggers(db)).dropped).toEqual([{ name: 'tr_simple_ai', table: 'tr_simple' }]);
		expect((await analyzeTriggers(db)).triggers).toEqual([]);
		expect((await restoreTriggers(db)).restored).toEqual([{ name: 'tr_simple_ai', table: 'tr_simple' }]);
		await db('tr_simple').insert({ title: 'fires again' });
		expect(Number((await db('tr_simple_history').count({ n: '*' }).first())?.['n'])).toBe(1);
		await expect(dropAuditTriggers(db, ['no_such_trigger'])).rejects.toThrow('unknown trigger: no_such_trigger');
	});
});
