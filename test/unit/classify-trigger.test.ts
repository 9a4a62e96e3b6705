import { describe, expect, it } from 'vitest';
import { classifyTrigger } from '../../src/server/triggers/classify-trigger';

describe('classifyTrigger', () => {
	it('recognises a PL/pgSQL audit function copying NEW/OLD into a log table', () => {
		const body = `CREATE OR REPLACE FUNCTION public.audit_row() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
  INSERT INTO public.audit_log (table_name, op, row_id, row_data) VALUES (TG_TABLE_NAME, TG_OP, NEW.id, to_jsonb(NEW));
  RETURN NEW;
END $function$`;
		expect(classifyTrigger({ table: 'orders', body })).toEqual({
			audit: true,
			auditTable: 'audit_log',
			reason: 'records changes in audit_log',
		});
	});

	it('recognises MySQL and SQLite trigger statements writing history tables', () => {
		expect(
			classifyTrigger({
				table: 'orders',
				body: 'BEGIN INSERT INTO `orders_history` (id, op) VALUES (OLD.id, "D"); END',
			}).auditTable,
		).toBe('orders_history');
		expect(
			classifyTrigger({
				table: 'orders',
				body: "CREATE TRIGGER t AFTER UPDATE ON orders BEGIN insert into \"change_log\"(tbl, op) values ('orders', 'U'); END",
			}).audit,
		).toBe(true);
	});

	it('leaves other triggers alone: maintaining a column, or writing a table not named as a log', () => {
		expect(classifyTrigger({ table: 'orders', body: 'BEGIN NEW.updated_at := now(); RETURN NEW; END' })).toMatchObject({
			audit: false,
			reason: 'writes no other table',
		});
		expect(
			classifyTrigger({
				table: 'orders',
				body: 'BEGIN INSERT INTO stock_moves (product, qty) VALUES (NEW.product, NEW.qty); RETURN NEW; END',
			}),
		).toMatchObject({
			audit: false,
			reason: 'writes to stock_moves, which is not named like an audit table',
		});
	});
});
