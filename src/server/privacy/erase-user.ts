import type { Knex } from 'knex';
import { FLOW_FAILURES_TABLE } from '../schema/flow-tables';
import { dialectOf, type Dialect } from '../schema/dialect';
import { ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE } from '../schema/retention-tables';
import { forgetMembers } from '../members/member-dictionary';
import { MEMBER_SOURCES, memberSetKeyString, type MemberSetKey } from '../schema/member-tables';
import { removeMembersFromSets } from '../members/update-member-sets';
import { applyRowsToRollups } from '../rollup/rollup-batch';
import { moveOpenHours } from '../rollup/close-buckets';
import { bumpGeneration, ensureStateRow, lockState, withRetry } from '../rollup/rollup-lock';
import { USER_ID } from '../../shared/maintenance-options';
import {
	ALERTS_TABLE,
	ALL_HOURS_CLOSED,
	FAILED_LOGINS_TABLE,
	GAPS_TABLE,
	ROLLUP_TABLES,
} from '../schema/rollup-tables';

export interface EraseOptions {
	user: string;
	batchSize: number;
	onProgress?: (rows: number) => void;
}

export interface EraseReport {
	user: string;
	activityErased: number;
	revisionsErased: number;
	archivedActivityErased: number;
	archivedRevisionsErased: number;
	/** Rollup rows keyed by the user that were left from history no longer in the raw tables. */
	rollupRowsRemoved: number;
	failedLoginsErased: number;
	alertsErased: number;
	durationMs: number;
}

export class EraseError extends Error {}

const USER_TABLES = ROLLUP_TABLES.filter((table) => table.dims.includes('user'));
const USER_MEMBERS_SOURCE = MEMBER_SOURCES.find((source) => source.kind === 'user')!.table;

/**
 * Erases one user's trail for an erasure request: their activity and its revisions, live and archived, a
 * batch per transaction. Each batch is first subtracted from the rollups (rows they absorbed), under the
 * refresh lock, so every figure keeps matching the raw tables; then the rollup rows still keyed by the user
 * (history deleted without an archive), their failed logins and the alerts about them go.
 */
export async function eraseUser(database: Knex, options: EraseOptions): Promise<EraseReport> {
	const started = performance.now();
	const dialect = dialectOf(database);
	const user = options.user.trim();
	if (!USER_ID.test(user)) throw new EraseError(`"erase_user" must be a user id (a UUID), got "${options.user}"`);
	const known = await database('directus_users').where({ id: user }).first('email');
	if (
		!known &&
		!(await database('directus_activity').where({ user }).first('id')) &&
		!(await database(ARCHIVE_ACTIVITY_TABLE).where({ user }).first('id'))
	) {
		throw new EraseError(`No user "${user}" exists, and no activity names them.`);
	}
	const report: EraseReport = {
		user,
		activityErased: 0,
		revisionsErased: 0,
		archivedActivityErased: 0,
		archivedRevisionsErased: 0,
		rollupRowsRemoved: 0,
		failedLoginsErased: 0,
		alertsErased: 0,
		durationMs: 0,
	};
	await withRetry(() => ensureStateRow(database, Date.now()));

	for (const live of [true, false]) {
		for (;;) {
			const erased = await withRetry(() => eraseBatch(database, dialect, user, live, options.batchSize));
			if (erased.activity === 0) break;
			if (live) {
				report.activityErased += erased.activity;
				report.revisionsErased += erased.revisions;
			} else {
				report.archivedActivityErased += erased.activity;
				report.archivedRevisionsErased += erased.revisions;
			}
			options.onProgress?.(report.activityErased + report.archivedActivityErased);
		}
	}

	report.rollupRowsRemoved = await withRetry(() =>
		database.transaction(async (trx) => {
			const state = await lockState(trx, dialect, Date.now());
			await moveOpenHours(trx, dialect, state, ALL_HOURS_CLOSED);
			let removed = 0;
			const keys = memberSetKeysOfOpenDays(
				(await trx(USER_MEMBERS_SOURCE).where({ user }).distinct('grain', 'bucket', 'collection')).map(
					(k: MemberSetKey) => ({ ...k, bucket: Number(k.bucket) }),
				),
				state.daysClosedBefore,
			);
			for (const table of USER_TABLES) removed += Number(await trx(table.name).where({ user }).delete());
			await removeMembersFromSets(trx, dialect, 'user', user, keys);
			const forgotten = await forgetMembers(trx, 'user', [user]);
			// Cached answers and the in-memory dictionary are both keyed by the generation.
			if (removed > 0 || forgotten > 0) await bumpGeneration(trx, state);
			return removed;
		}),
	);
	const failed = database(FAILED_LOGINS_TABLE).where({ user });
	if (known?.email) failed.orWhere({ identifier: String(known.email).toLowerCase() });
	report.failedLoginsErased = Number(await failed.delete());
	report.alertsErased = Number(await database(ALERTS_TABLE).where({ by: 'user', actor: user }).delete());
	// Failed Flow runs whose raw rows went without an archive still name the user (their runs' counts do not).
	await database(FLOW_FAILURES_TABLE).where({ user }).delete();
	report.durationMs = Math.round(performance.now() - started);
	return report;
}

/** The wide table has no day rows for days not closed yet: their sets are found through their hours. */
function memberSetKeysOfOpenDays(keys: MemberSetKey[], daysClosedBefore: number): MemberSetKey[] {
	const all = new Map(keys.map((key) => [memberSetKeyString(key), key]));
	for (const key of keys) {
		if (key.grain !== 'h' || key.bucket < daysClosedBefore) continue;
		const day = { grain: 'd', bucket: Math.floor(key.bucket / 86_400) * 86_400, collection: key.collection };
		all.set(memberSetKeyString(day), day);
	}
	return [...all.values()];
}

async function eraseBatch(
	database: Knex,
	dialect: Dialect,
	user: string,
	live: boolean,
	batchSize: number,
): Promise<{ activity: number; revisions: number }> {
	const activityTable = live ? 'directus_activity' : ARCHIVE_ACTIVITY_TABLE;
	const revisionsTable = live ? 'directus_revisions' : ARCHIVE_REVISIONS_TABLE;
	return database.transaction(async (trx) => {
		const state = await lockState(trx, dialect, Date.now());
		// The member sets are checked against the per-member tables' rows: those need every hour (refresh reopens).
		const hours = await moveOpenHours(trx, dialect, state, ALL_HOURS_CLOSED);
		const ids = (await trx(activityTable).where({ user }).orderBy('id').limit(batchSize).pluck('id')).map(Number);
		if (ids.length === 0) return { activity: 0, revisions: 0 };
		// Archived rows were absorbed before they were archived; live ones only at or below the watermark.
		const gaps = live ? new Set((await trx(GAPS_TABLE).whereIn('id', ids).pluck('id')).map(Number)) : new Set<number>();
		const absorbed = live ? ids.filter((id) => id <= state.watermark && !gaps.has(id)) : ids;
		if (absorbed.length > 0)
			await applyRowsToRollups(
				trx,
				dialect,
				activityTable,
				`id in (${absorbed.map((id) => String(Math.trunc(id))).join(', ')})`,
				-1,
				{ days: state.daysClosedBefore, hours },
			);
		const revisionIds = dialect
			.rows<{ id: number | string }>(
				await trx.raw(`select id from ${revisionsTable} where activity in (${ids.map(() => '?').join(', ')})`, ids),
			)
			.map((r) => Number(r.id));
		for (let i = 0; i < revisionIds.length; i += 1000) {
			const chunk = revisionIds.slice(i, i + 1000);
			// Other revisions pointing at one that goes lose the link, as when Directus deletes a revision.
			await trx(revisionsTable).whereIn('parent', chunk).update({ parent: null });
			await trx(revisionsTable).whereIn('id', chunk).delete();
		}
		await trx(activityTable).whereIn('id', ids).delete();
		await bumpGeneration(trx, state);
		return { activity: ids.length, revisions: revisionIds.length };
	});
}
