import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../scripts/host.mjs';
import { migrateUp } from '../../src/server/migrations/run-migrations';
import { runRetention } from '../../src/server/retention/run-retention';
import { refreshRollups } from '../../src/server/rollup/refresh-rollups';
import { dialectOf } from '../../src/server/schema/dialect';
import { createDirectusActivityTables, ownDatabase } from '../support/own-database';

// Retention against the hour the per-member rollups leave open, on a database of its own so the test drives
// the clock (the host's scheduled refresh runs on the real one): the hour's end is a step of the clock, not a
// wait. Every engine; on SQLite no hour is left open, so the current hour's end is what keeps rows.
let env: Record<string, string>;
let db: Knex;
const HOUR_END = Date.parse('2026-06-01T11:00:00Z');

beforeAll(async () => {
	({ env, db } = await ownDatabase('open_hour'));
	await createDirectusActivityTables(db);
	await migrateUp(db);
});

afterAll(async () => {
	await db?.destroy();
	await dropDatabase(env);
});

const row = (item: number, at: number) => ({
	action: 'create',
	collection: 'open_hour',
	item: String(item),
	timestamp: new Date(at),
});

describe('retention and the open hour, on an injected clock', () => {
	it("keeps the rows of an hour the per-member rollups have not closed, whatever the cutoff, until the hour's close", async () => {
		let now = HOUR_END - 1_000;
		const clock = () => now;
		const dryRun = async () => {
			const report = await runRetention(db, {
				keepDays: 1,
				batchSize: 1_000,
				dryRun: true,
				mode: 'none',
				archiveMonths: 0,
				now,
				before: now + 7_200_000,
			});
			return { deleted: report.activityDeleted, kept: report.keptUnabsorbed };
		};
		// Four rows of two hours before, three of the last seconds of the current hour: all absorbed.
		await db('directus_activity').insert([1, 2, 3, 4].map((n) => row(n, HOUR_END - 2 * 3_600_000 - n * 60_000)));
		await db('directus_activity').insert([5, 6, 7].map((n) => row(n, now - (n - 4) * 1_000)));
		expect((await refreshRollups(db, { clock })).rows).toBe(7);

		// One second before the hour ends: only the closed hour's rows may go.
		expect(await dryRun()).toEqual({ deleted: 4, kept: 3 });

		// Two seconds into the next hour, before any refresh: where an hour is left open (PostgreSQL, MariaDB) it
		// is still open, so its rows stay; SQLite built their per-member rows when it absorbed them.
		now = HOUR_END + 2_000;
		expect(await dryRun()).toEqual(dialectOf(db).indexesTimestamps ? { deleted: 4, kept: 3 } : { deleted: 7, kept: 0 });

		// The refresh on the new clock closes the hour: now every row may go, and a real run takes them all.
		await refreshRollups(db, { clock });
		expect(await dryRun()).toEqual({ deleted: 7, kept: 0 });
		const run = await runRetention(db, {
			keepDays: 1,
			batchSize: 1_000,
			dryRun: false,
			mode: 'none',
			archiveMonths: 0,
			now,
			before: now + 7_200_000,
		});
		expect(run.activityDeleted).toBe(7);
		expect(Number((await db('directus_activity').count({ n: '*' }).first())?.['n'])).toBe(0);
	});
});
