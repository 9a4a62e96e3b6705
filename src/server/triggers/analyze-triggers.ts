import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import { WRITER_COLLECTIONS_TABLE } from '../schema/writer-tables';
import { classifyTrigger, type TriggerClassification, type TriggerInfo } from './classify-trigger';
import { listTriggers } from './list-triggers';

export type AnalyzedTrigger = Omit<TriggerInfo, 'body'> & TriggerClassification & { collection: string | null };

export interface TriggerAnalysis {
	triggers: AnalyzedTrigger[];
	summary: { total: number; audit: number; other: number; onCollections: number };
	/** Why no cost is given, when none is. */
	costNote: string | null;
}

/** Lists the triggers, marks those on Directus collections, and says which write audit rows (and what they cost). */
export async function analyzeTriggers(database: Knex): Promise<TriggerAnalysis> {
	const collections = new Set(
		((await database('directus_collections').select('collection')) as { collection: string }[]).map(
			(r) => r.collection,
		),
	);
	const triggers = (await listTriggers(database)).map(({ body, ...trigger }) => ({
		...trigger,
		...classifyTrigger({ table: trigger.table, body }),
		collection: collections.has(trigger.table) || trigger.table.startsWith('directus_') ? trigger.table : null,
	}));
	const dialect = dialectOf(database);
	const measured = triggers.some((t) => t.cost !== null);
	return {
		triggers,
		summary: {
			total: triggers.length,
			audit: triggers.filter((t) => t.audit).length,
			other: triggers.filter((t) => !t.audit).length,
			onCollections: triggers.filter((t) => t.collection).length,
		},
		costNote: measured
			? null
			: dialect.name === 'postgres'
				? "PostgreSQL reports trigger cost once track_functions = 'pl' (ALTER DATABASE ... SET track_functions = 'pl'); none was recorded yet."
				: `${dialect.name === 'mysql' ? 'MySQL/MariaDB' : 'SQLite'} does not report per-trigger cost.`,
	};
}

export interface TriggerPlan {
	/** Collections whose audit triggers the writer replaces: put them under it first. */
	putUnderWriter: string[];
	alreadyUnderWriter: string[];
	dropTriggers: { name: string; table: string; auditTable: string | null }[];
	keepTriggers: { name: string; table: string; reason: string }[];
	steps: string[];
}

/** Which collections to put under the writer and which triggers to drop, in the order to do it. */
export async function planTriggerReplacement(database: Knex): Promise<TriggerPlan> {
	const analysis = await analyzeTriggers(database);
	const under = new Set(
		((await database(WRITER_COLLECTIONS_TABLE).select('collection')) as { collection: string }[]).map(
			(r) => r.collection,
		),
	);
	const auditOnCollections = analysis.triggers.filter(
		(t) => t.audit && t.collection && !t.collection.startsWith('directus_'),
	);
	const collections = [...new Set(auditOnCollections.map((t) => t.collection!))].sort();
	const putUnderWriter = collections.filter((c) => !under.has(c));
	const plan: TriggerPlan = {
		putUnderWriter,
		alreadyUnderWriter: collections.filter((c) => under.has(c)),
		dropTriggers: auditOnCollections.map((t) => ({ name: t.name, table: t.table, auditTable: t.auditTable })),
		keepTriggers: analysis.triggers
			.filter((t) => !auditOnCollections.includes(t))
			.map((t) => ({ name: t.name, table: t.table, reason: t.collection ? t.reason : 'not on a Directus collection' })),
		steps: [],
	};
	if (putUnderWriter.length > 0) plan.steps.push(`npx directus analytics writer enable ${putUnderWriter.join(' ')}`);
	if (plan.dropTriggers.length > 0) {
		plan.steps.push(
			'run both in parallel for a while, then: npx directus analytics triggers validate --since <when the writer was enabled>',
		);
		plan.steps.push(
			'npx directus analytics triggers apply   (saves each definition; `triggers restore` puts them back)',
		);
	}
	return plan;
}
