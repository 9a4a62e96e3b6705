import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { hostDir, nodeEnv } from '../../scripts/host.mjs';
import { refreshRollups } from '../../src/server/rollup/refresh-rollups';
import { ROLLUP_TABLES } from '../../src/server/schema/rollup-tables';
import { openDatabase } from '../../scripts/host.mjs';
import { apiOk } from '../support/api';
import { openHostDatabase } from '../support/database';
import { epochSql, rawWhere, sqlRows, truthBreakdown, truthOverview } from '../support/ground-truth';
import { absorbedRawRowsFrom, dayRowDifferences, memberSetDifferences, readClosedMarks } from '../support/member-sets';
import { backfillRollups } from '../../src/server/rollup/backfill-rollups';
import { eraseUser } from '../../src/server/privacy/erase-user';

let db: Knex;
const client = inject('host').env['DB_CLIENT'];

beforeAll(async () => {
	db = openHostDatabase();
	await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 20, seed: 5, end: '2026-10-20T00:00:00Z' }));
});

afterAll(async () => {
	await db.destroy();
});

async function archivedRows(): Promise<number> {
	const [{ n } = { n: 0 }] = await db('activity_analytics_archive_activity').count({ n: '*' });
	return Number(n);
}

/**
 * Every grain of every rollup must hold exactly the absorbed rows: no row lost, none counted twice; the
 * member sets hold exactly the collection rollups' members. Rows
 * another suite archived count too (retention moves only absorbed rows; a backfill re-reads the archive).
 */
async function expectRollupsHoldAbsorbedRows(): Promise<number> {
	const [state] = await db('activity_analytics_state').where({ key: 'rollup' });
	const watermark = Number(state?.['watermark']);
	const gaps = (await db('activity_analytics_gaps').pluck('id')).map(Number);
	const [{ live } = { live: 0 }] = await db('directus_activity')
		.where('id', '<=', watermark)
		.whereNotIn('id', gaps.length > 0 ? gaps : [-1])
		.count({ live: '*' });
	const n = Number(live) + (await archivedRows());
	const { days: daysClosedBefore, hours: hoursClosedBefore } = await readClosedMarks(db);
	// Hours not closed yet are in no per-member row: their absorbed raw rows stand in.
	const openHours = (await absorbedRawRowsFrom(db, hoursClosedBefore, [])).reduce(
		(sum, row) => sum + Number(row['events']),
		0,
	);
	for (const table of ROLLUP_TABLES) {
		for (const grain of table.grains) {
			const [{ total } = { total: 0 }] = await db(table.name).where({ grain: grain.key }).sum({ total: 'events' });
			// Days not closed yet are in these tables' hours only.
			const openDays =
				table.rowsOnClose && grain.key === 'd'
					? Number(
							(
								await db(table.name)
									.where({ grain: 'h' })
									.andWhere('bucket', '>=', daysClosedBefore)
									.sum({ total: 'events' })
							)[0]?.['total'] ?? 0,
						)
					: 0;
			expect(Number(total) + openDays + (table.rowsOnClose ? openHours : 0), `${table.name} grain ${grain.key}`).toBe(
				Number(n),
			);
		}
	}
	const members = await memberSetDifferences(db);
	expect(members.checked).toBeGreaterThan(1000);
	expect(members).toMatchObject({ missing: [], extra: [], orphans: [] });
	const days = await dayRowDifferences(db);
	expect(days.checked).toBeGreaterThan(1000);
	expect(days.differences).toEqual([]);
	return Number(n);
}

// The late-commit tests write rows of their own collection in the first days of October 2026.
const LATE = { from: '2026-10-01T00:00:00Z', to: '2026-10-10T00:00:00Z' };
const lateRow = (collection: string, at: string, ip: string) => (item: string) => ({
	action: 'create',
	collection,
	item,
	timestamp: new Date(at),
	ip,
});

/** Events of one collection in those days as /analytics answers them, the cache cleared first. */
async function answeredLateEvents(collection: string): Promise<number> {
	await apiOk('/analytics/cache', { method: 'DELETE' });
	return (
		await apiOk<{ data: { current: { events: number } } }>(
			`/analytics/overview?from=${LATE.from}&to=${LATE.to}&collection=${collection}`,
		)
	).data.current.events;
}

/** The same, as SQL over the raw rows counts them. */
async function sqlLateEvents(collection: string): Promise<number> {
	return (
		await truthOverview(db, Date.parse(LATE.from) / 1000, Date.parse(LATE.to) / 1000, { collection: [collection] })
	).events;
}

describe(`rollup refresh on ${client}`, () => {
	it('is safe when several instances refresh at once', async () => {
		await loadActivity(db, parseGeneratorOptions({ rows: 12_000, days: 20, seed: 6, end: '2026-10-20T00:00:00Z' }));
		const [{ last } = { last: 0 }] = await db('directus_activity').max({ last: 'id' });
		// Two more "instances": their own connections, racing the endpoint's refresh.
		const others = [openDatabase(inject('host').env) as Knex, openDatabase(inject('host').env) as Knex];
		try {
			await Promise.all([
				apiOk('/analytics/refresh', { method: 'POST' }),
				...others.map((other) => refreshRollups(other, { batchSize: 3_000, maxBatches: 100 })),
			]);
		} finally {
			await Promise.all(others.map((other) => other.destroy()));
		}
		await expectRollupsHoldAbsorbedRows();
		// Every row there before the race was absorbed. (The host may write activity of its own meanwhile, such
		// as a Flow run; those rows wait for the next refresh.)
		const [state] = await db('activity_analytics_state').where({ key: 'rollup' });
		const gaps = (await db('activity_analytics_gaps').pluck('id')).map(Number);
		const [{ missed } = { missed: 0 }] = await db('directus_activity')
			.where('id', '<=', Number(last))
			.andWhere((q) => q.where('id', '>', Number(state?.['watermark'])).orWhereIn('id', gaps.length > 0 ? gaps : [-1]))
			.count({ missed: '*' });
		expect(Number(missed)).toBe(0);
		expect(Number(state?.['watermark'])).toBeGreaterThanOrEqual(Number(last));
	});

	it.runIf(client !== 'sqlite3')('never skips a row whose transaction commits after a refresh', async () => {
		const overview = () => answeredLateEvents('late_commit');
		const row = lateRow('late_commit', '2026-10-05T12:00:00Z', '10.9.9.9');
		const slow = await db.transaction();
		try {
			await slow('directus_activity').insert(row('slow'));
			// Later ids commit first.
			await db('directus_activity').insert([row('a'), row('b'), row('c')]);
			const first = await apiOk<{ data: { gapsOpen: number } }>('/analytics/refresh', { method: 'POST' });
			expect(first.data.gapsOpen).toBeGreaterThanOrEqual(1);
			expect(await overview()).toBe(3);
			await slow.commit();
		} catch (error) {
			await slow.rollback();
			throw error;
		}
		// Before the next refresh the late row is read raw (it sits in a gap) ...
		expect(await overview()).toBe(4);
		// ... and after it, from the rollups.
		const second = await apiOk<{ data: { gapsOpen: number; rows: number } }>('/analytics/refresh', { method: 'POST' });
		expect(second.data.rows).toBeGreaterThanOrEqual(1);
		expect(await overview()).toBe(4);
		expect(await sqlLateEvents('late_commit')).toBe(4);
		await expectRollupsHoldAbsorbedRows();
	});

	it.runIf(client !== 'sqlite3')(
		'keeps a gap open across a backfill: a transaction that commits after it is absorbed once',
		async () => {
			const row = lateRow('backfill_commit', '2026-10-07T12:00:00Z', '10.9.9.7');
			const slow = await db.transaction();
			try {
				await slow('directus_activity').insert(row('slow'));
				await db('directus_activity').insert([row('a'), row('b')]);
				const first = await apiOk<{ data: { gapsOpen: number } }>('/analytics/refresh', { method: 'POST' });
				expect(first.data.gapsOpen).toBeGreaterThanOrEqual(1);
				// In process: the CLI's own backfill is the test below; a Directus boot here adds only time.
				await backfillRollups(db, 50_000);
				expect(Number((await db('activity_analytics_gaps').count({ open: '*' }))[0]?.['open'])).toBeGreaterThanOrEqual(
					1,
				);
				await slow.commit();
			} catch (error) {
				await slow.rollback();
				throw error;
			}
			await apiOk('/analytics/refresh', { method: 'POST' });
			expect(await sqlLateEvents('backfill_commit')).toBe(3);
			expect(await answeredLateEvents('backfill_commit')).toBe(3);
			await expectRollupsHoldAbsorbedRows();
		},
	);

	it.runIf(client !== 'sqlite3')(
		'absorbs a row once when its transaction commits while a refresh is between listing the ids and reading the rows',
		async () => {
			const row = lateRow('race_commit', '2026-10-06T12:00:00Z', '10.9.9.8');
			await apiOk('/analytics/refresh', { method: 'POST' });
			const slow = await db.transaction();
			const other = openDatabase(inject('host').env) as Knex;
			// Every statement of a refresh goes through the dialect client's query(); the batch is staged with a
			// CREATE TEMPORARY TABLE. The slow transaction commits right before that read, after the ids were listed.
			const prototype = Object.getPrototypeOf((other as unknown as { client: object }).client) as {
				query: (conn: unknown, obj: { sql: string }) => Promise<unknown>;
			};
			const query = prototype.query;
			let committed = false;
			prototype.query = async function (this: unknown, conn: unknown, obj: { sql: string }) {
				if (!committed && /create temporary table/i.test(obj.sql)) {
					committed = true;
					await slow.commit();
				}
				return query.call(this, conn, obj);
			};
			try {
				await slow('directus_activity').insert(row('slow'));
				await db('directus_activity').insert([row('a'), row('b')]);
				await refreshRollups(other);
				expect(committed).toBe(true);
			} finally {
				prototype.query = query;
				if (!committed) await slow.rollback();
				await other.destroy();
			}
			await apiOk('/analytics/refresh', { method: 'POST' });
			expect(await sqlLateEvents('race_commit')).toBe(3);
			expect(await answeredLateEvents('race_commit')).toBe(3);
			await expectRollupsHoldAbsorbedRows();
		},
	);

	it('counts values that differ only in case as SQL over the raw rows does (one value on MariaDB, two elsewhere), in rollups, dictionary and raw tail alike', async () => {
		const day = Date.parse('2027-02-10T00:00:00Z');
		const row = (ip: string, minutes: number, origin: string) => ({
			action: 'update',
			collection: 'case_probe',
			item: '1',
			ip,
			origin,
			timestamp: new Date(day + minutes * 60_000),
		});
		await db('directus_activity').insert([
			row('FE80::A', 600, 'https://case.test'),
			row('FE80::A', 601, 'https://case.test'),
		]);
		await apiOk('/analytics/refresh', { method: 'POST' });
		// A later batch spells the same IP (on MariaDB) differently: the dictionary must not take it twice.
		await db('directus_activity').insert([
			row('fe80::a', 602, 'https://Case.Test'),
			row('Fe80::A', 700, 'https://CASE.test'),
			row('10.1.1.1', 701, 'https://Case.Test'),
		]);
		const refreshed = await apiOk<{ data: { rows: number } }>('/analytics/refresh', { method: 'POST' });
		expect(refreshed.data.rows).toBeGreaterThanOrEqual(3);
		// And the raw tail (no refresh yet) spells it a third way, next to a new IP in two spellings.
		// FE80::A's hour 10 crosses 2 events only with this tail row on engines that tell the spellings apart.
		await db('directus_activity').insert([
			row('FE80::A', 605, 'https://case.test'),
			row('fE80::a', 702, 'https://case.test'),
			row('FE80::B', 703, 'https://case.test'),
			row('fe80::b', 704, 'https://case.test'),
		]);
		await apiOk('/analytics/cache', { method: 'DELETE' });
		const from = day / 1000;
		const to = from + 86_400;
		const window = `from=${new Date(day).toISOString()}&to=${new Date(day + 86_400_000).toISOString()}`;
		// On MariaDB the key SQL shows for a group is one of its spellings: compare keys the way it compares them.
		const fold = (key: string | null) => (key === null || client !== 'mysql' ? key : key.toLowerCase());
		const truth = async (by: string) =>
			new Map([...(await truthBreakdown(db, by, from, to))].map(([key, figures]) => [fold(key), figures]));
		for (const filter of ['', '&collection=case_probe']) {
			const { data } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${window}${filter}`);
			expect(data.current).toEqual(await truthOverview(db, from, to, filter ? { collection: ['case_probe'] } : {}));
		}
		for (const by of ['ip', 'origin']) {
			for (const sort of ['events', 'users', 'ips']) {
				const { data } = await apiOk<{
					data: { rows: { key: string | null; events: number; users: number; ips: number }[] };
				}>(`/analytics/breakdown?${window}&by=${by}&sort=${sort}`);
				expect(
					new Map(data.rows.map((r) => [fold(r.key), { events: r.events, users: r.users, ips: r.ips }])),
					`${by} by ${sort}`,
				).toEqual(await truth(by));
			}
		}
		const where = rawWhere(db, from, to);
		const hour = `floor(${epochSql(db)} / 3600)`;
		const hourly = await sqlRows(
			db,
			`select ip as k, ${hour} as h, count(*) as n from directus_activity where ${where.sql} and ip is not null group by ip, ${hour}`,
			where.bindings,
		);
		const ips = await truth('ip');
		for (const threshold of [1, 2]) {
			const suspicious = await apiOk<{ data: { actors: { actor: string; events: number }[] } }>(
				`/analytics/suspicious?${window}&by=ip&window=1h&threshold=${threshold}`,
			);
			const over = new Set(hourly.filter((r) => Number(r['n']) > threshold).map((r) => fold(String(r['k']))));
			expect(over.size).toBeGreaterThan(0);
			expect(new Map(suspicious.data.actors.map((a) => [fold(a.actor), a.events])), `threshold ${threshold}`).toEqual(
				new Map([...over].map((key) => [key, ips.get(key)!.events])),
			);
		}
		await apiOk('/analytics/refresh', { method: 'POST' });
		await expectRollupsHoldAbsorbedRows();
	});

	it('reads only the new rows: a refresh after 500 rows absorbs 500, however long the history', async () => {
		const first = await apiOk<{ data: { watermark: number } }>('/analytics/refresh', { method: 'POST' });
		await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 2, seed: 8, end: '2026-10-22T00:00:00Z' }));
		const result = await apiOk<{ data: { rows: number; watermark: number } }>('/analytics/refresh', { method: 'POST' });
		// The 10k rows, plus any activity the host wrote of its own meanwhile (none, when nothing else runs).
		const arrived = async (from: number, to: number) =>
			Number(
				(await db('directus_activity').where('id', '>', from).andWhere('id', '<=', to).count({ n: '*' }))[0]?.['n'],
			);
		expect(result.data.rows).toBe(await arrived(first.data.watermark, result.data.watermark));
		expect(result.data.rows).toBeGreaterThanOrEqual(10_000);
		expect(result.data.rows).toBeLessThan(10_100);
		const again = await apiOk<{ data: { rows: number; watermark: number } }>('/analytics/refresh', { method: 'POST' });
		expect(again.data.rows).toBe(await arrived(result.data.watermark, again.data.watermark));
		expect(again.data.rows).toBeLessThan(100);
	});

	it('`directus analytics backfill` rebuilds every rollup from scratch, and the generation keeps counting up', async () => {
		const generation = async () =>
			Number((await db('activity_analytics_state').where({ key: 'rollup' }).first('generation'))?.['generation']);
		// As on an installation that has refreshed for a while: far more generations than the backfill has batches.
		await apiOk('/analytics/refresh', { method: 'POST' });
		await db('activity_analytics_state').where({ key: 'rollup' }).increment('generation', 1_000);
		const before = await generation();
		const env = inject('host').env;
		const result = spawnSync(
			process.execPath,
			[join(hostDir, 'node_modules', 'directus', 'cli.js'), 'analytics', 'backfill', '--batch-size', '7000'],
			{
				env: { ...nodeEnv(), ...env, LOG_LEVEL: 'error' },
				encoding: 'utf8',
				timeout: 120_000,
			},
		);
		expect(result.status, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { rows: number };
		expect(result.stderr).toMatch(/backfill .*100%/);
		expect(report.rows).toBe(await expectRollupsHoldAbsorbedRows());
		// Cached answers (and the in-memory dictionary) of a generation before the reset never match one after.
		expect(await generation()).toBeGreaterThan(before);
	});

	it("keeps today in the per-member tables' hours, builds a day's rows from them when it closes, and answers exactly either way", async () => {
		// Everything below is about the current hour and today: one clock for the whole test, injected into its
		// refreshes, so hours and days close by it and never by the wall clock moving on mid-test (the test
		// hosts run no scheduled refresh).
		const now = Date.now();
		const refresh = () => refreshRollups(db, { clock: () => now, maxBatches: Number.POSITIVE_INFINITY });
		const DAY = 86_400;
		const today = Math.floor(now / 1000 / DAY) * DAY;
		const PER_MEMBER = ROLLUP_TABLES.filter((table) => table.rowsOnClose);
		expect(PER_MEMBER.map((table) => table.name).sort()).toEqual([
			'activity_analytics_rollup_ip_dims',
			'activity_analytics_rollup_ip_users',
			'activity_analytics_rollup_user_dims',
		]);
		// Rows of today (a minute ahead at most, should the clock be just past midnight) and of the day before.
		const end = new Date(Math.max(now, (today + 120) * 1000)).toISOString();
		await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 2, seed: 12, end }));
		// And rows of the current hour (the generator's may be few, just after the hour), by users and IPs of
		// the data, a few of them new.
		const hour = Math.floor(now / 3_600_000) * 3_600;
		const known = (await db('directus_activity')
			.whereNotNull('user')
			.distinct('user')
			.limit(6)
			.pluck('user')) as string[];
		const within = Math.max(1, Math.floor(now / 1000) - hour);
		await db('directus_activity').insert(
			Array.from({ length: 60 }, (_, i) => ({
				action: i % 3 === 0 ? 'update' : 'create',
				collection: i % 2 === 0 ? 'orders' : 'articles',
				item: String(i),
				user: i % 7 === 0 ? null : known[i % known.length],
				ip: `10.99.0.${i % 9}`,
				timestamp: new Date((hour + ((i * 37) % within)) * 1000),
			})),
		);
		await refresh();
		const state = async () =>
			(await db('activity_analytics_state').where({ key: 'rollup' }).first()) as Record<string, unknown>;
		expect(Number((await state())['days_closed_before'])).toBe(today);
		// SQLite keeps no hour open (its timestamps cannot be range-read by index); the others keep this one.
		const openFrom = client === 'sqlite3' ? Number.MAX_SAFE_INTEGER : hour;
		expect(Number((await state())['hours_closed_before'])).toBe(openFrom);
		// In the first hour of a UTC day, today has no closed hour yet: all of its rows are in the open hour.
		const todayAllOpen = client !== 'sqlite3' && hour === today;
		for (const table of PER_MEMBER) {
			expect(
				Number(
					(await db(table.name).where({ grain: 'd' }).andWhere('bucket', '>=', today).count({ n: '*' }))[0]?.['n'],
				),
				table.name,
			).toBe(0);
			const hoursOfToday = Number(
				(await db(table.name).where({ grain: 'h' }).andWhere('bucket', '>=', today).count({ n: '*' }))[0]?.['n'],
			);
			if (todayAllOpen) expect(hoursOfToday, table.name).toBe(0);
			else expect(hoursOfToday, table.name).toBeGreaterThan(0);
			const inOpenHour = Number(
				(await db(table.name).where({ grain: 'h' }).andWhere('bucket', '>=', hour).count({ n: '*' }))[0]?.['n'],
			);
			if (client === 'sqlite3') expect(inOpenHour, table.name).toBeGreaterThan(0);
			else expect(inOpenHour, table.name).toBe(0);
		}
		await expectRollupsHoldAbsorbedRows();

		// Windows across closed days and today, with the filters that send queries to the per-member tables.
		const from = today - 3 * DAY;
		const to = today + DAY;
		const iso = (epoch: number) => new Date(epoch * 1000).toISOString();
		const expectAnswersEqualSql = async (label: string) => {
			await apiOk('/analytics/cache', { method: 'DELETE' });
			for (const filters of [
				{},
				{ action: ['update'] },
				{ collection: ['orders', 'articles'], action: ['create', 'update'] },
			] as Record<string, string[]>[]) {
				const params = new URLSearchParams({
					from: iso(from),
					to: iso(to),
					...Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, v.join(',')])),
				});
				const { data } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${params}`);
				expect(data.current, `${label} overview ${JSON.stringify(filters)}`).toEqual(
					await truthOverview(db, from, to, filters),
				);
				for (const by of ['user', 'ip'] as const) {
					params.set('by', by);
					params.set('limit', '100');
					const breakdown = await apiOk<{
						data: { rows: { key: string | null; events: number; users: number; ips: number }[] };
					}>(`/analytics/breakdown?${params}`);
					params.delete('by');
					params.delete('limit');
					const truth = await truthBreakdown(db, by, from, to, filters);
					expect(breakdown.data.rows.length, `${label} ${by} ${JSON.stringify(filters)}`).toBe(
						Math.min(100, truth.size),
					);
					for (const row of breakdown.data.rows)
						expect(row, `${label} ${by} ${String(row.key)} ${JSON.stringify(filters)}`).toEqual({
							key: row.key,
							...truth.get(row.key),
						});
				}
			}
		};
		await expectAnswersEqualSql('today open');

		// The state the last three hours would be in had no refresh run since they ended: open, read raw.
		if (client !== 'sqlite3') {
			const reopenedHours = Math.max(today, hour - 3 * 3_600);
			for (const table of PER_MEMBER)
				await db(table.name).where({ grain: 'h' }).andWhere('bucket', '>=', reopenedHours).delete();
			await db('activity_analytics_state').where({ key: 'rollup' }).update({ hours_closed_before: reopenedHours });
			await expectRollupsHoldAbsorbedRows();
			await expectAnswersEqualSql('three hours open');
			// The next refresh closes them from the raw rows it absorbed; the current hour stays open.
			await refresh();
			expect(Number((await state())['hours_closed_before'])).toBeGreaterThanOrEqual(hour);
			if (hour > reopenedHours) {
				for (const table of PER_MEMBER) {
					expect(
						Number(
							(
								await db(table.name)
									.where({ grain: 'h' })
									.andWhere('bucket', '>=', reopenedHours)
									.andWhere('bucket', '<', hour)
									.count({ n: '*' })
							)[0]?.['n'],
						),
						table.name,
					).toBeGreaterThan(0);
				}
			}
			await expectRollupsHoldAbsorbedRows();
			await expectAnswersEqualSql('hours closed again');
		}

		// The state the last three days would be in had no refresh run since they ended: open, hours only.
		const reopened = today - 3 * DAY;
		for (const table of PER_MEMBER)
			await db(table.name).where({ grain: 'd' }).andWhere('bucket', '>=', reopened).delete();
		await db('activity_analytics_state').where({ key: 'rollup' }).update({ days_closed_before: reopened });
		await expectRollupsHoldAbsorbedRows();
		await expectAnswersEqualSql('three days open');

		// The next refresh closes them: their day rows are their hours' sums again.
		await refresh();
		expect(
			Number((await db('activity_analytics_state').where({ key: 'rollup' }).first())?.['days_closed_before']),
		).toBe(today);
		const closed = await dayRowDifferences(db);
		expect(closed.differences).toEqual([]);
		for (const table of PER_MEMBER) {
			expect(
				Number(
					(
						await db(table.name)
							.where({ grain: 'd' })
							.andWhere('bucket', '>=', reopened)
							.andWhere('bucket', '<', today)
							.count({ n: '*' })
					)[0]?.['n'],
				),
				table.name,
			).toBeGreaterThan(0);
		}
		await expectAnswersEqualSql('closed again');

		// Erasing a user with rows today takes them out of today's hours and of today's member sets.
		// Users with rows today and as few rows as possible overall: every row erased leaves an id hole, and a
		// later backfill keeps each hole open as a gap for an hour (see the note in docs/rollups.md).
		// In the first hour of a day the open hour holds all of today and has no per-member rows yet: read the raw rows.
		const usersOfToday = async () => {
			const users = (
				todayAllOpen
					? await db('directus_activity')
							.where('timestamp', '>=', new Date(today * 1000))
							.whereNotNull('user')
							.distinct('user')
							.pluck('user')
					: await db('activity_analytics_rollup_user_dims')
							.where({ grain: 'h' })
							.andWhere('bucket', '>=', today)
							.whereNot({ user: '' })
							.distinct('user')
							.pluck('user')
			) as string[];
			const counts = await db('directus_activity')
				.whereIn('user', users)
				.groupBy('user')
				.select('user')
				.count({ n: '*' });
			return (counts as { user: string; n: number | string }[])
				.sort((a, b) => Number(a.n) - Number(b.n))
				.map((row) => String(row.user));
		};
		const [user = ''] = await usersOfToday();
		expect(user).not.toBe('');
		// In process, as the refreshes above (the CLI's and the operation's erase: privacy-and-archive).
		await eraseUser(db, { user, batchSize: 5_000 });
		for (const table of PER_MEMBER.filter((t) => t.dims.includes('user')))
			expect(Number((await db(table.name).where({ user }).count({ n: '*' }))[0]?.['n']), table.name).toBe(0);
		// Erasure checks the member sets against the per-member rows, so it closes every hour first.
		expect(Number((await state())['hours_closed_before'])).toBe(Number.MAX_SAFE_INTEGER);
		await expectRollupsHoldAbsorbedRows();
		await expectAnswersEqualSql('after erasing a user of today');
		// The next refresh opens the current hour again: its per-member rows go, its raw rows answer.
		await refresh();
		expect(Number((await state())['hours_closed_before'])).toBeGreaterThanOrEqual(openFrom);
		if (client !== 'sqlite3')
			expect(Number((await state())['hours_closed_before'])).toBeLessThan(Number.MAX_SAFE_INTEGER);
		await expectRollupsHoldAbsorbedRows();
		await expectAnswersEqualSql('current hour reopened');

		// A user whose raw rows were deleted without an archive: erasure drops the rollup rows still keyed by
		// them, and takes them out of today's day sets too, which only today's hour rows point to.
		// A user of its own with rows in the hour before the current one (of yesterday, in the first hour of a
		// day), none in the current hour: an open hour's per-member rows are built from the raw rows when it
		// closes, so rows deleted out of band before that are not in them (docs/rollups.md).
		const gone = '00000000-0000-4000-8000-00000000a11e';
		await db('directus_users').insert({
			id: gone,
			email: 'open-hours.gone@example.com',
			status: 'active',
			provider: 'default',
		});
		await db('directus_activity').insert(
			Array.from({ length: 5 }, (_, i) => ({
				action: 'update',
				collection: 'orders',
				item: String(i),
				user: gone,
				ip: '10.98.0.1',
				timestamp: new Date((hour - 1_800) * 1000),
			})),
		);
		await refresh();
		await db('directus_activity').where({ user: gone }).delete();
		await eraseUser(db, { user: gone, batchSize: 5_000 });
		const members = await memberSetDifferences(db);
		expect(members).toMatchObject({ missing: [], extra: [], orphans: [] });
		expect((await dayRowDifferences(db)).differences).toEqual([]);
		// The event counts still hold the deleted rows (no archive to subtract them from): a backfill recounts.
		await backfillRollups(db, 50_000);
		// The deleted ids lie below where the refresh had got to: holes, not transactions still open, so the
		// backfill opens no gap for them (each open gap is read raw by every query).
		expect(Number((await db('activity_analytics_gaps').count({ open: '*' }))[0]?.['open'])).toBe(0);
		await expectRollupsHoldAbsorbedRows();
	}, 240_000);
});
