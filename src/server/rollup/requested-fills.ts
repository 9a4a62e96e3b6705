import type { Knex } from 'knex';
import { dialectOf, type Dialect } from '../schema/dialect';
import { fillMemberSets } from '../members/fill-member-sets';
import { fillMemberCounts } from '../members/update-member-counts';
import { MEMBERS_TABLE } from '../schema/member-tables';
import { GAPS_TABLE, STATE_TABLE } from '../schema/rollup-tables';
import { addRowsToMemberQuarters } from './rollup-batch';
import { applyFlowRuns } from './flow-run-rollups';
import { ARCHIVE_ACTIVITY_TABLE } from '../schema/retention-tables';
import { bumpGeneration, ensureStateRow, lockState, withRetry } from './rollup-lock';
import type { RollupState } from './rollup-state';

/**
 * A migration that adds a table derived from the rollups leaves a state row keyed `fill:<name>` instead of
 * filling it: the fill is live code, so a frozen migration never runs an old copy of it. Each is done once,
 * under the state lock, before the next refresh and before any answer (the runtime's readiness waits for it).
 */
export const FILL_KEY_PREFIX = 'fill:';

// Ids per chunk of a fill: a chunk's vectors or decoded runs are built in memory, so this bounds what one holds.
const FILL_CHUNK_IDS = 200_000;

/** In the order they must run: the counts and quarters map values through the dictionary the sets fill. */
const FILLS: readonly {
	name: string;
	fill: (trx: Knex.Transaction, dialect: Dialect, state: RollupState) => Promise<unknown>;
}[] = [
	{
		name: 'member_sets',
		fill: async (trx, dialect) => {
			await trx(MEMBERS_TABLE).delete();
			await fillMemberSets(trx, dialect);
		},
	},
	{ name: 'member_counts', fill: fillMemberCounts },
	{ name: 'member_quarters', fill: fillMemberQuartersFromRaw },
	{ name: 'flow_runs', fill: fillFlowRunsFromRaw },
];

/**
 * Conditions over `table`'s ids up to `maxId`, a chunk of ids each, leaving out the open gaps: a fill holds
 * one chunk's rows in memory at a time, however long the history.
 */
async function absorbedIdChunks(
	trx: Knex.Transaction,
	dialect: Dialect,
	table: string,
	maxId: number,
	visit: (condition: string) => Promise<unknown>,
): Promise<void> {
	const first = await trx(table).where('id', '<=', maxId).min({ id: 'id' }).first();
	if (first?.id === null || first?.id === undefined) return;
	const q = (column: string) => dialect.quote(column);
	for (let lo = Number(first.id) - 1; lo < maxId; lo += FILL_CHUNK_IDS) {
		const hi = Math.min(maxId, lo + FILL_CHUNK_IDS);
		await visit(
			`${q('id')} > ${Math.trunc(lo)} and ${q('id')} <= ${Math.trunc(hi)} and ${q('id')} not in (select ${q('id')} from ${q(GAPS_TABLE)})`,
		);
	}
}

/** The Flow runs among the rows the rollups absorbed: every archived one, and the live ones at or below the watermark. */
async function fillFlowRunsFromRaw(trx: Knex.Transaction, dialect: Dialect, { watermark }: RollupState): Promise<void> {
	const now = Date.now();
	const archived = await trx(ARCHIVE_ACTIVITY_TABLE).max({ id: 'id' }).first();
	await absorbedIdChunks(trx, dialect, ARCHIVE_ACTIVITY_TABLE, Number(archived?.id ?? 0), (condition) =>
		applyFlowRuns(trx, dialect, ARCHIVE_ACTIVITY_TABLE, condition, 1, now),
	);
	await absorbedIdChunks(trx, dialect, 'directus_activity', watermark, (condition) =>
		applyFlowRuns(trx, dialect, 'directus_activity', condition, 1, now),
	);
}

/** The raw rows the rollups absorbed (at or below the watermark, not in an open gap), a chunk of ids at a time. */
async function fillMemberQuartersFromRaw(
	trx: Knex.Transaction,
	dialect: Dialect,
	{ watermark }: RollupState,
): Promise<void> {
	await absorbedIdChunks(trx, dialect, 'directus_activity', watermark, (condition) =>
		addRowsToMemberQuarters(trx, dialect, 'directus_activity', condition),
	);
}

/** Runs the fills migrations asked for, each in one transaction with its request; returns their names. */
export async function runRequestedFills(database: Knex): Promise<string[]> {
	const requested = new Set(
		((await database(STATE_TABLE).where('key', 'like', `${FILL_KEY_PREFIX}%`).pluck('key')) as string[]).map((key) =>
			key.slice(FILL_KEY_PREFIX.length),
		),
	);
	if (requested.size === 0) return [];
	const dialect = dialectOf(database);
	await withRetry(() => ensureStateRow(database, Date.now()));
	const done: string[] = [];
	for (const { name, fill } of FILLS) {
		if (!requested.has(name)) continue;
		await withRetry(() =>
			database.transaction(async (trx) => {
				const state = await lockState(trx, dialect, Date.now());
				// Another instance may have done it while this one waited for the lock.
				if (
					(await trx(STATE_TABLE)
						.where({ key: `${FILL_KEY_PREFIX}${name}` })
						.delete()) === 0
				)
					return;
				await fill(trx, dialect, state);
				// New dictionary values and vectors: answers cached before are stale.
				await bumpGeneration(trx, state);
				done.push(name);
			}),
		);
	}
	return done;
}
