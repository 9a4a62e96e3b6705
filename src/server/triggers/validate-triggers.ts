import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import { analyzeTriggers } from './analyze-triggers';

type Action = 'create' | 'update' | 'delete';

export interface ValidationRow {
	collection: string;
	action: Action;
	triggers: number;
	writer: number;
	match: boolean;
}

export interface TriggerValidation {
	since: string;
	rows: ValidationRow[];
	allMatch: boolean;
	warnings: string[];
}

const OP_COLUMNS = ['op', 'operation', 'action', 'tg_op', 'event', 'event_type', 'change_type', 'kind'];
const TABLE_COLUMNS = ['table_name', 'tbl', 'collection', 'entity', 'relname', 'table', 'source_table'];
const TIME_COLUMNS = [
	'changed_at',
	'created_at',
	'logged_at',
	'occurred_at',
	'at',
	'ts',
	'timestamp',
	'time',
	'date_created',
];

function actionOf(op: string): Action | null {
	const value = op.trim().toUpperCase();
	if (['INSERT', 'I', 'CREATE', 'C'].includes(value)) return 'create';
	if (['UPDATE', 'U'].includes(value)) return 'update';
	if (['DELETE', 'D', 'REMOVE'].includes(value)) return 'delete';
	return null;
}

/**
 * After running triggers and writer side by side from `since`, compares what each recorded, by collection and
 * action: rows in the audit tables against rows in directus_activity.
 */
export async function validateTriggerReplacement(database: Knex, since: Date): Promise<TriggerValidation> {
	const dialect = dialectOf(database);
	const analysis = await analyzeTriggers(database);
	const audit = analysis.triggers.filter((t) => t.audit && t.collection && t.auditTable);
	const warnings: string[] = [];
	const counts = new Map<string, ValidationRow>();
	const row = (collection: string, action: Action) => {
		const key = `${collection}\u0000${action}`;
		let found = counts.get(key);
		if (!found) counts.set(key, (found = { collection, action, triggers: 0, writer: 0, match: false }));
		return found;
	};
	for (const t of audit) for (const action of t.actions) row(t.collection!, action);

	for (const auditTable of [...new Set(audit.map((t) => t.auditTable!))]) {
		const columns = Object.keys(await database(auditTable).columnInfo()).map((c) => c.toLowerCase());
		const pick = (candidates: string[]) => candidates.find((c) => columns.includes(c)) ?? null;
		const op = pick(OP_COLUMNS);
		const table = pick(TABLE_COLUMNS);
		const time = pick(TIME_COLUMNS);
		if (!op || !table || !time) {
			warnings.push(
				`${auditTable}: needs an operation column (${OP_COLUMNS.join('/')}), a table column (${TABLE_COLUMNS.join('/')}) and a time column (${TIME_COLUMNS.join('/')}) to be compared`,
			);
			continue;
		}
		const q = (name: string) => dialect.quote(name);
		const result = await database.raw(
			`select ${q(table)} as tbl, ${q(op)} as op, count(*) as n from ${q(auditTable)} where ${dialect.epochSeconds(q(time))} >= ? group by ${q(table)}, ${q(op)}`,
			[since.getTime() / 1000],
		);
		for (const r of dialect.rows(result) as { tbl: string; op: string; n: number | string }[]) {
			const action = actionOf(String(r.op));
			if (!action) continue;
			const collection = String(r.tbl).split('.').at(-1)!;
			if (audit.some((t) => t.collection === collection)) row(collection, action).triggers += Number(r.n);
		}
	}

	const collections = [...new Set(audit.map((t) => t.collection!))];
	if (collections.length > 0) {
		const activity = await database.raw(
			`select collection, action, count(*) as n from directus_activity where ${dialect.epochSeconds('timestamp')} >= ? and collection in (${collections.map(() => '?').join(', ')}) and action in ('create', 'update', 'delete') group by collection, action`,
			[since.getTime() / 1000, ...collections],
		);
		for (const r of dialect.rows(activity) as { collection: string; action: Action; n: number | string }[])
			row(r.collection, r.action).writer += Number(r.n);
	}
	const rows = [...counts.values()]
		.map((r) => ({ ...r, match: r.triggers === r.writer }))
		.sort((a, b) => a.collection.localeCompare(b.collection) || a.action.localeCompare(b.action));
	return { since: since.toISOString(), rows, allMatch: warnings.length === 0 && rows.every((r) => r.match), warnings };
}
