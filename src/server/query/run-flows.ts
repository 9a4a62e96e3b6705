import type {
	FlowFailureRow,
	FlowFailuresAnswer,
	FlowOperationsAnswer,
	FlowRow,
	FlowRunFigures,
	FlowsAnswer,
} from '../../shared/answers';
import { FLOWS_COLLECTION, FLOW_RUN_ACTION, decodeFlowRun, type FlowRunOutcome } from '../schema/flow-run-revision';
import { FLOW_FAILURES_TABLE, FLOW_PENDING_TABLE, FLOW_RUNS_TABLE, FLOW_STEPS_TABLE } from '../schema/flow-tables';
import { GRAINS } from '../schema/rollup-tables';
import { readRunRevisions } from '../rollup/flow-run-rollups';
import type { FlowFailuresQuery, FlowsQuery } from './analytics-query';
import { compareWithPrevious, relativeChange, type Span } from './compare-windows';
import { encodeFlowFailureCursor } from './parse-analytics-query';
import type { QueryContext } from './read-snapshot';
import { mergeRanges, splitWindow } from './window-segments';

type Outcomes = Record<FlowRunOutcome, number>;

interface RawRun {
	id: number;
	flow: string;
	at: number;
	decoded: ReturnType<typeof decodeFlowRun>;
}

interface SpanCounts {
	runs: Map<string, Outcomes>;
	/** flow \0 operation \0 status → steps */
	steps: Map<string, number>;
	raw: RawRun[];
}

const SEP = '\u0000';
const zero = (): Outcomes => ({ succeeded: 0, failed: 0, unknown: 0 });

/** The ids at or below the watermark the flow rollups do not hold: open gaps and runs waiting for a revision. */
async function unabsorbedIds(context: QueryContext): Promise<number[]> {
	const pending = (await context.db(FLOW_PENDING_TABLE).pluck('id')).map(Number);
	return [...context.unabsorbed.gaps, ...pending].map((id) => Math.trunc(id));
}

/**
 * Runs in `span` the rollups leave out, decoded from their revisions: every run of the raw edges (under a
 * quarter hour), and, within the whole buckets, the runs above the watermark, in an open gap or waiting.
 */
async function readRawRuns(
	context: QueryContext,
	flow: string | null,
	options: { edges: boolean; rollupRanges: { from: number; to: number }[]; edgeRanges: { from: number; to: number }[] },
): Promise<RawRun[]> {
	const { db, dialect } = context;
	const q = (name: string) => dialect.quote(name);
	const extra = await unabsorbedIds(context);
	const clauses: string[] = [];
	const bindings: (string | number)[] = [];
	const inRange = (r: { from: number; to: number }) => dialect.timestampRange(q('timestamp'), r.from, r.to);
	if (options.edges)
		for (const r of options.edgeRanges) {
			const built = inRange(r);
			clauses.push(built.sql);
			bindings.push(...built.bindings);
		}
	for (const r of options.rollupRanges) {
		const built = inRange(r);
		clauses.push(
			`(${built.sql} and (${q('id')} > ?${extra.length > 0 ? ` or ${q('id')} in (${extra.join(', ')})` : ''}))`,
		);
		bindings.push(...built.bindings, context.unabsorbed.watermark);
	}
	if (clauses.length === 0) return [];
	const flowClause = flow === null ? '' : ` and ${q('item')} = ?`;
	const rows = dialect.rows<{ id: number | string; flow: string; at: number | string }>(
		await db.raw(
			`select ${q('id')} as ${q('id')}, ${q('item')} as ${q('flow')}, ${dialect.epochWholeSeconds(q('timestamp'))} as ${q('at')} from ${q('directus_activity')} where ${q('action')} = ? and ${q('collection')} = ?${flowClause} and (${clauses.join(' or ')})`,
			[FLOW_RUN_ACTION, FLOWS_COLLECTION, ...(flow === null ? [] : [flow]), ...bindings],
		),
	);
	const revisions = await readRunRevisions(
		db,
		'directus_revisions',
		rows.map((r) => Number(r.id)),
	);
	return rows.map((r) => ({
		id: Number(r.id),
		flow: String(r.flow),
		at: Number(r.at),
		decoded: decodeFlowRun(revisions.get(Number(r.id)) ?? null),
	}));
}

function segmentsOf(span: Span) {
	const segments = splitWindow(span.from, span.to, GRAINS);
	return {
		rollup: segments.flatMap((s) => (s.kind === 'rollup' ? [s] : [])),
		rollupRanges: mergeRanges(segments.filter((s) => s.kind === 'rollup')),
		edgeRanges: segments.filter((s) => s.kind === 'raw').map((s) => ({ from: s.from, to: s.to })),
	};
}

async function countSpan(context: QueryContext, span: Span, flow: string | null): Promise<SpanCounts> {
	const { db } = context;
	const { rollup, rollupRanges, edgeRanges } = segmentsOf(span);
	const runs = new Map<string, Outcomes>();
	const steps = new Map<string, number>();
	if (rollup.length > 0) {
		const where = (table: string) => {
			const query = db(table).where((w) => {
				for (const s of rollup)
					w.orWhere((o) =>
						o.where('grain', s.grain.key).andWhere('bucket', '>=', s.from).andWhere('bucket', '<', s.to),
					);
			});
			return flow === null ? query : query.andWhere('flow', flow);
		};
		const runRows = (await where(FLOW_RUNS_TABLE)
			.groupBy('flow', 'outcome')
			.select('flow', 'outcome')
			.sum({ n: 'events' })) as { flow: string; outcome: FlowRunOutcome; n: number | string }[];
		for (const row of runRows) {
			const outcomes = runs.get(row.flow) ?? zero();
			outcomes[row.outcome] += Number(row.n);
			runs.set(row.flow, outcomes);
		}
		const stepRows = (await where(FLOW_STEPS_TABLE)
			.groupBy('flow', 'operation', 'status')
			.select('flow', 'operation', 'status')
			.sum({ n: 'events' })) as { flow: string; operation: string; status: string; n: number | string }[];
		for (const row of stepRows) {
			const key = [row.flow, row.operation, row.status].join(SEP);
			steps.set(key, (steps.get(key) ?? 0) + Number(row.n));
		}
	}
	const raw = await readRawRuns(context, flow, { edges: true, rollupRanges, edgeRanges });
	for (const run of raw) {
		const outcomes = runs.get(run.flow) ?? zero();
		outcomes[run.decoded.outcome]++;
		runs.set(run.flow, outcomes);
		for (const step of run.decoded.steps) {
			const key = [run.flow, step.operation ?? '', step.status].join(SEP);
			steps.set(key, (steps.get(key) ?? 0) + 1);
		}
	}
	return { runs, steps, raw };
}

function figures(outcomes: Outcomes): FlowRunFigures {
	const known = outcomes.succeeded + outcomes.failed;
	return {
		runs: known + outcomes.unknown,
		succeeded: outcomes.succeeded,
		failed: outcomes.failed,
		unknown: outcomes.unknown,
		failureRate: known === 0 ? null : Math.round((outcomes.failed / known) * 10_000) / 10_000,
	};
}

function sumOutcomes(list: Iterable<Outcomes>): Outcomes {
	const total = zero();
	for (const o of list) {
		total.succeeded += o.succeeded;
		total.failed += o.failed;
		total.unknown += o.unknown;
	}
	return total;
}

async function flowsById(context: QueryContext, ids: readonly string[]) {
	const flows = new Map<string, { name: string | null; trigger: string | null; status: string | null }>();
	for (let i = 0; i < ids.length; i += 500) {
		const rows = (await context
			.db('directus_flows')
			.whereIn('id', ids.slice(i, i + 500))
			.select('id', 'name', 'trigger', 'status')) as { id: string; name: string; trigger: string; status: string }[];
		for (const row of rows)
			flows.set(String(row.id), { name: row.name ?? null, trigger: row.trigger ?? null, status: row.status ?? null });
	}
	return flows;
}

/** Each operation's type, from directus_operations now (an operation deleted since is missing). */
async function operationTypes(context: QueryContext, ids: readonly string[]): Promise<Map<string, string>> {
	const unique = [...new Set(ids)].filter(Boolean);
	const types = new Map<string, string>();
	for (let i = 0; i < unique.length; i += 500) {
		const rows = (await context
			.db('directus_operations')
			.whereIn('id', unique.slice(i, i + 500))
			.select('id', 'type')) as { id: string; type: string }[];
		for (const row of rows) types.set(String(row.id), String(row.type));
	}
	return types;
}

/** Last failed run per flow in the span: the failures table holds every absorbed one, the raw runs the rest. */
async function lastFailures(context: QueryContext, span: Span, flow: string | null, raw: RawRun[]) {
	const query = context
		.db(FLOW_FAILURES_TABLE)
		.where('at', '>=', span.from)
		.andWhere('at', '<', span.to)
		.groupBy('flow')
		.select('flow')
		.max({ last: 'at' });
	const rows = (await (flow === null ? query : query.andWhere('flow', flow))) as {
		flow: string;
		last: number | string;
	}[];
	const last = new Map(rows.map((r) => [String(r.flow), Number(r.last)]));
	for (const run of raw)
		if (run.decoded.outcome === 'failed' && run.at >= span.from && run.at < span.to)
			last.set(run.flow, Math.max(last.get(run.flow) ?? 0, run.at));
	return last;
}

/** Per flow: runs, failures, failure rate and last failure, against the window before. */
export async function runFlows(context: QueryContext, query: FlowsQuery): Promise<FlowsAnswer> {
	const span = { from: query.from, to: query.to };
	const { current, previous, previousSpan } = await compareWithPrevious(span, (s) => countSpan(context, s, query.flow));
	const ids = [...new Set([...current.runs.keys(), ...previous.runs.keys()])];
	const flows = await flowsById(context, ids);
	const last = await lastFailures(context, span, query.flow, current.raw);
	const rows: FlowRow[] = ids.map((flow) => {
		const now = figures(current.runs.get(flow) ?? zero());
		const before = figures(previous.runs.get(flow) ?? zero());
		const meta = flows.get(flow);
		return {
			flow,
			name: meta?.name ?? null,
			trigger: meta?.trigger ?? null,
			status: meta?.status ?? null,
			...now,
			lastFailureAt: last.get(flow) ?? null,
			previous: before,
			change: { runs: relativeChange(now.runs, before.runs), failed: relativeChange(now.failed, before.failed) },
		};
	});
	rows.sort((a, b) => b.failed - a.failed || b.runs - a.runs || a.flow.localeCompare(b.flow));
	const byTrigger = new Map<string | null, Outcomes[]>();
	for (const [flow, outcomes] of current.runs) {
		const trigger = flows.get(flow)?.trigger ?? null;
		byTrigger.set(trigger, [...(byTrigger.get(trigger) ?? []), outcomes]);
	}
	return {
		from: span.from,
		to: span.to,
		previous: previousSpan,
		flows: rows.filter((row) => row.runs > 0 || row.previous.runs > 0),
		totals: figures(sumOutcomes(current.runs.values())),
		byTrigger: [...byTrigger]
			.map(([trigger, list]) => ({ trigger, ...figures(sumOutcomes(list)) }))
			.sort((a, b) => b.runs - a.runs || String(a.trigger).localeCompare(String(b.trigger))),
		durationsRecorded: false,
	};
}

/** Step outcomes per operation type (read from directus_operations; null for an operation deleted since). */
export async function runFlowOperations(context: QueryContext, query: FlowsQuery): Promise<FlowOperationsAnswer> {
	const { steps } = await countSpan(context, { from: query.from, to: query.to }, query.flow);
	const types = await operationTypes(
		context,
		[...steps.keys()].map((key) => key.split(SEP)[1]!),
	);
	const byType = new Map<string | null, { resolve: number; reject: number; unknown: number }>();
	for (const [key, n] of steps) {
		const [, operation, status] = key.split(SEP) as [string, string, string];
		const type = types.get(operation) ?? null;
		const row = byType.get(type) ?? { resolve: 0, reject: 0, unknown: 0 };
		if (status === 'resolve' || status === 'reject') row[status] += n;
		else row.unknown += n;
		byType.set(type, row);
	}
	return {
		rows: [...byType]
			.map(([operationType, counts]) => {
				const total = counts.resolve + counts.reject + counts.unknown;
				return {
					operationType,
					...counts,
					steps: total,
					rejectRate: total === 0 ? null : Math.round(((counts.reject + counts.unknown) / total) * 10_000) / 10_000,
				};
			})
			.sort((a, b) => b.steps - a.steps || String(a.operationType).localeCompare(String(b.operationType))),
	};
}

/** Failed runs, newest first, a page at a time: the failures table, and the failed runs not absorbed yet. */
export async function runFlowFailures(context: QueryContext, query: FlowFailuresQuery): Promise<FlowFailuresAnswer> {
	const { db } = context;
	const span = { from: query.from, to: query.to };
	const stored = db(FLOW_FAILURES_TABLE).where('at', '>=', span.from).andWhere('at', '<', span.to);
	if (query.flow !== null) stored.andWhere('flow', query.flow);
	if (query.before !== null) {
		const { at, id } = query.before;
		stored.andWhere((w) => w.where('at', '<', at).orWhere((o) => o.where('at', at).andWhere('id', '<', id)));
	}
	const rows = (
		(await stored
			.orderBy([
				{ column: 'at', order: 'desc' },
				{ column: 'id', order: 'desc' },
			])
			.limit(query.limit + 1)
			.select('id', 'flow', 'at', 'operation', 'step_key', 'step_status', 'error')) as {
			id: number | string;
			flow: string;
			at: number | string;
			operation: string | null;
			step_key: string | null;
			step_status: string;
			error: string | null;
		}[]
	).map((r) => ({
		id: Number(r.id),
		flow: String(r.flow),
		at: Number(r.at),
		operation: r.operation ?? null,
		stepKey: r.step_key ?? null,
		stepStatus: String(r.step_status),
		error: r.error ?? null,
	}));
	const { rollupRanges } = segmentsOf(span);
	// Not absorbed yet: the whole window read as "whole buckets" picks exactly the runs above the watermark,
	// in an open gap or waiting (absorbed ones are in the failures table, edges included).
	const raw = await readRawRuns(context, query.flow, {
		edges: false,
		rollupRanges: mergeRanges([...rollupRanges, { from: span.from, to: span.to }]),
		edgeRanges: [],
	});
	for (const run of raw) {
		if (run.decoded.outcome !== 'failed' || !run.decoded.failedStep) continue;
		if (
			query.before !== null &&
			(run.at > query.before.at || (run.at === query.before.at && run.id >= query.before.id))
		)
			continue;
		rows.push({
			id: run.id,
			flow: run.flow,
			at: run.at,
			operation: run.decoded.failedStep.operation,
			stepKey: run.decoded.failedStep.key,
			stepStatus: run.decoded.failedStep.status,
			error: run.decoded.error,
		});
	}
	rows.sort((a, b) => b.at - a.at || b.id - a.id);
	const page = rows.slice(0, query.limit);
	const flows = await flowsById(context, [...new Set(page.map((r) => r.flow))]);
	const types = await operationTypes(
		context,
		page.flatMap((r) => (r.operation === null ? [] : [r.operation])),
	);
	const last = page.at(-1);
	return {
		rows: page.map((r): FlowFailureRow => ({
			...r,
			name: flows.get(r.flow)?.name ?? null,
			operationType: r.operation === null ? null : (types.get(r.operation) ?? null),
		})),
		nextCursor: rows.length > query.limit && last ? encodeFlowFailureCursor(last.at, last.id) : null,
	};
}
