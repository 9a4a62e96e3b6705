import type { Knex } from 'knex';
import type { Dialect } from '../schema/dialect';
import { FLOWS_COLLECTION, FLOW_RUN_ACTION, decodeFlowRun } from '../schema/flow-run-revision';
import {
	FLOW_FAILURES_TABLE,
	FLOW_PENDING_TABLE,
	FLOW_REVISION_SETTLE_MS,
	FLOW_RUNS_TABLE,
	FLOW_RUN_DIMS,
	FLOW_STEPS_TABLE,
	FLOW_STEP_DIMS,
} from '../schema/flow-tables';
import { ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE } from '../schema/retention-tables';
import { GRAINS } from '../schema/rollup-tables';
import { rollupUpsertSql } from './rollup-upsert';

// Revisions are parsed in memory: a run's revision holds every step's result, so a few hundred at a time.
const RUN_CHUNK = 500;
const STAGE_TABLE = 'activity_analytics_flow_batch';

interface FlowRun {
	id: number;
	flow: string;
	user: string | null;
	at: number;
}

export interface FlowRunsApplied {
	runs: number;
	pending: number;
}

function revisionsTableOf(source: string): string {
	return source === ARCHIVE_ACTIVITY_TABLE ? ARCHIVE_REVISIONS_TABLE : 'directus_revisions';
}

async function readRuns(
	trx: Knex.Transaction,
	dialect: Dialect,
	source: string,
	condition: string,
): Promise<FlowRun[]> {
	const q = (name: string) => dialect.quote(name);
	const rows = dialect.rows<{ id: number | string; flow: string; user: string | null; at: number | string }>(
		await trx.raw(
			`select ${q('id')} as ${q('id')}, ${q('item')} as ${q('flow')}, ${q('user')} as ${q('user')}, ${dialect.epochWholeSeconds(q('timestamp'))} as ${q('at')} from ${q(source)} where (${condition}) and ${q('action')} = ? and ${q('collection')} = ? order by ${q('id')}`,
			[FLOW_RUN_ACTION, FLOWS_COLLECTION],
		),
	);
	return rows.map((r) => ({ id: Number(r.id), flow: String(r.flow), user: r.user ?? null, at: Number(r.at) }));
}

/** Each run's revision data (the first revision, should a run have more), by activity id. */
export async function readRunRevisions(
	trx: Knex | Knex.Transaction,
	revisionsTable: string,
	ids: readonly number[],
): Promise<Map<number, unknown>> {
	const data = new Map<number, unknown>();
	for (let i = 0; i < ids.length; i += RUN_CHUNK) {
		const rows = (await trx(revisionsTable)
			.whereIn('activity', ids.slice(i, i + RUN_CHUNK))
			.orderBy('id')
			.select('activity', 'data')) as { activity: number | string; data: unknown }[];
		for (const row of rows) if (!data.has(Number(row.activity))) data.set(Number(row.activity), row.data);
	}
	return data;
}

async function upsertCounts(
	trx: Knex.Transaction,
	dialect: Dialect,
	table: { name: string; dims: readonly string[] },
	counts: Map<string, number>,
	sign: 1 | -1,
): Promise<void> {
	if (counts.size === 0) return;
	const q = (name: string) => dialect.quote(name);
	// The staged count is `n`: MySQL's ON DUPLICATE KEY UPDATE would find two columns named events.
	const columns = ['grain', 'bucket', ...table.dims, 'n'];
	const definitions = [
		`${q('grain')} varchar(1)`,
		`${q('bucket')} bigint`,
		...table.dims.map((d) => `${q(d)} varchar(36)`),
		`${q('n')} bigint`,
	];
	for (const statement of dialect.createTempTable(STAGE_TABLE, definitions.join(', '))) await trx.raw(statement);
	const rows = [...counts].map(([key, n]) => {
		const [grain, bucket, ...dims] = key.split('\u0000');
		return {
			grain,
			bucket: Number(bucket),
			...Object.fromEntries(table.dims.map((d, i) => [d, dims[i] ?? ''])),
			n: sign * n,
		};
	});
	for (let i = 0; i < rows.length; i += 200) await trx(STAGE_TABLE).insert(rows.slice(i, i + 200));
	await trx.raw(
		rollupUpsertSql(
			dialect,
			table,
			`select ${columns.map(q).join(', ')} from ${dialect.tempTable(STAGE_TABLE)} where 1 = 1`,
			'add',
		),
	);
	await trx.raw(dialect.dropTempTable(STAGE_TABLE));
	if (sign < 0) {
		const buckets = [...new Set(rows.map((r) => r.bucket))];
		await trx(table.name).whereIn('bucket', buckets).andWhere('events', '<=', 0).delete();
	}
}

/**
 * Adds the Flow runs among the rows of `source` matching `condition` to the flow rollups (sign 1), or takes
 * them out (sign -1, erasure). A live run whose revision is not written yet waits in the pending table
 * (absorbPendingFlowRuns) instead of counting as `unknown`; one already waiting is not counted, so it is
 * not subtracted either.
 */
export async function applyFlowRuns(
	trx: Knex.Transaction,
	dialect: Dialect,
	source: string,
	condition: string,
	sign: 1 | -1,
	now: number,
	options: { waitForRevisions?: boolean } = {},
): Promise<FlowRunsApplied> {
	const runs = await readRuns(trx, dialect, source, condition);
	if (runs.length === 0) return { runs: 0, pending: 0 };
	const live = source !== ARCHIVE_ACTIVITY_TABLE;
	const pending = new Set<number>();
	if (live)
		for (const chunk of chunks(runs, RUN_CHUNK))
			for (const id of await trx(FLOW_PENDING_TABLE)
				.whereIn(
					'id',
					chunk.map((r) => r.id),
				)
				.pluck('id'))
				pending.add(Number(id));
	const runCounts = new Map<string, number>();
	const stepCounts = new Map<string, number>();
	const failures: Record<string, unknown>[] = [];
	const waiting: { id: number; at: number }[] = [];
	let counted = 0;
	const waitForRevisions = options.waitForRevisions ?? (sign > 0 && live);
	for (const chunk of chunks(runs, RUN_CHUNK)) {
		const revisions = await readRunRevisions(
			trx,
			revisionsTableOf(source),
			chunk.map((r) => r.id),
		);
		for (const run of chunk) {
			// Already waiting: counted when it settles (sign 1), never counted (sign -1).
			if (pending.has(run.id)) continue;
			const revision = revisions.get(run.id);
			if (revision === undefined && waitForRevisions && run.at * 1000 > now - FLOW_REVISION_SETTLE_MS) {
				waiting.push({ id: run.id, at: run.at });
				continue;
			}
			const decoded = decodeFlowRun(revision ?? null);
			// Days, hours and quarter hours, as the activity rollups: a window reads whole buckets of each.
			const add = (counts: Map<string, number>, parts: string[]) => {
				for (const grain of GRAINS) {
					const key = [grain.key, String(Math.floor(run.at / grain.seconds) * grain.seconds), ...parts].join('\u0000');
					counts.set(key, (counts.get(key) ?? 0) + 1);
				}
			};
			add(runCounts, [run.flow, decoded.outcome]);
			for (const step of decoded.steps) add(stepCounts, [run.flow, step.operation ?? '', step.status]);
			if (decoded.failedStep)
				failures.push({
					id: run.id,
					flow: run.flow,
					at: run.at,
					user: run.user,
					operation: decoded.failedStep.operation,
					step_key: decoded.failedStep.key.slice(0, 255),
					step_status: decoded.failedStep.status,
					error: decoded.error,
				});
			counted++;
		}
	}
	await upsertCounts(trx, dialect, { name: FLOW_RUNS_TABLE, dims: FLOW_RUN_DIMS }, runCounts, sign);
	await upsertCounts(trx, dialect, { name: FLOW_STEPS_TABLE, dims: FLOW_STEP_DIMS }, stepCounts, sign);
	if (sign > 0) {
		for (const chunk of chunks(failures, 100)) await trx(FLOW_FAILURES_TABLE).insert(chunk).onConflict('id').ignore();
		for (const chunk of chunks(waiting, 200)) await trx(FLOW_PENDING_TABLE).insert(chunk).onConflict('id').ignore();
	} else {
		for (const chunk of chunks(runs, RUN_CHUNK)) {
			const ids = chunk.map((r) => r.id);
			await trx(FLOW_FAILURES_TABLE).whereIn('id', ids).delete();
			await trx(FLOW_PENDING_TABLE).whereIn('id', ids).delete();
		}
	}
	return { runs: counted, pending: waiting.length };
}

/**
 * Counts the waiting runs whose revision has arrived, or that waited long enough to count as `unknown`
 * (a flow with accountability `activity` writes none); a waiting run whose row is gone is dropped.
 */
export async function absorbPendingFlowRuns(trx: Knex.Transaction, dialect: Dialect, now: number): Promise<number> {
	const waiting = (await trx(FLOW_PENDING_TABLE).orderBy('id').limit(5_000).select('id', 'at')) as {
		id: number | string;
		at: number | string;
	}[];
	if (waiting.length === 0) return 0;
	const ids = waiting.map((w) => Number(w.id));
	const withRevision = new Set((await readRunRevisions(trx, 'directus_revisions', ids)).keys());
	const ready = waiting
		.filter((w) => withRevision.has(Number(w.id)) || Number(w.at) * 1000 <= now - FLOW_REVISION_SETTLE_MS)
		.map((w) => Number(w.id));
	if (ready.length === 0) return 0;
	for (const chunk of chunks(ready, RUN_CHUNK)) await trx(FLOW_PENDING_TABLE).whereIn('id', chunk).delete();
	const applied = await applyFlowRuns(trx, dialect, 'directus_activity', `id in (${ready.join(', ')})`, 1, now, {
		waitForRevisions: false,
	});
	return applied.runs;
}

/** Empties the flow rollups (a backfill rebuilds them with the activity rollups). */
export async function resetFlowRollups(trx: Knex.Transaction): Promise<void> {
	for (const table of [FLOW_RUNS_TABLE, FLOW_STEPS_TABLE, FLOW_FAILURES_TABLE, FLOW_PENDING_TABLE])
		await trx(table).delete();
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}
