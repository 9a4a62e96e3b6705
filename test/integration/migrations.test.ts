import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { bootstrap, dropDatabase } from '../../scripts/host.mjs';
import { createDirectusActivityTables, ownDatabase } from '../support/own-database';
import {
	MIGRATIONS,
	MIGRATOR_CONFIG,
	migrateDown,
	migrateUp,
	migrationStatus,
} from '../../src/server/migrations/run-migrations';
import * as closeDays from '../../migrations/20261201-015-close-days';
import { runRequestedFills } from '../../src/server/rollup/requested-fills';
import { dialectName } from '../support/ground-truth';
import { runHostCli } from '../support/host-cli';
import { decodeMemberCounts } from '../../src/server/members/member-count-codec';
import { dayRowDifferences, memberSetDifferences } from '../support/member-sets';

// Our migrations on a database of their own (same engine as the host), holding just Directus's two tables.
let env: Record<string, string>;
let db: Knex;
const ARCHIVE = 'activity_analytics_archive_activity';
const ARCHIVE_REVISIONS = 'activity_analytics_archive_revisions';

async function ourTables(): Promise<string[]> {
	const name = dialectName(db);
	const sql =
		name === 'pg'
			? `select tablename as name from pg_tables where schemaname = current_schema()`
			: name === 'mysql'
				? `select table_name as name from information_schema.tables where table_schema = database()`
				: `select name from sqlite_master where type = 'table'`;
	const result = await db.raw(sql);
	const rows = (name === 'pg' ? result.rows : name === 'mysql' ? result[0] : result) as {
		name?: string;
		NAME?: string;
	}[];
	return rows
		.map((r) => String(r.name ?? r.NAME))
		.filter((n) => n.startsWith('activity_analytics_') && !/_y\d{4}m\d{2}$/.test(n))
		.sort();
}

async function isPartitioned(): Promise<boolean> {
	const { rows } = await db.raw(`select relkind from pg_class where relname = ?`, [ARCHIVE]);
	return rows[0]?.relkind === 'p';
}

beforeAll(async () => {
	({ env, db } = await ownDatabase('migrations'));
	await createDirectusActivityTables(db);
});

afterAll(async () => {
	await db?.destroy();
	await dropDatabase(env);
});

describe('migrations', () => {
	it('moving archived rows into the monthly partitions (007) and back loses none', async () => {
		// Up to the plain archive tables, with rows in them.
		const before007 = MIGRATIONS.findIndex((m) => m.name.includes('-007-'));
		for (let i = 0; i < before007; i++) await db.migrate.up(MIGRATOR_CONFIG);
		await db(ARCHIVE).insert([
			{
				id: 11,
				action: 'create',
				collection: 'orders',
				item: '1',
				timestamp: new Date('2026-01-15T10:00:00Z'),
				archived_at: 1,
			},
			{
				id: 12,
				action: 'update',
				collection: 'orders',
				item: '1',
				timestamp: new Date('2026-02-03T10:00:00Z'),
				archived_at: 1,
			},
		]);
		await db(ARCHIVE_REVISIONS).insert([
			{ id: 21, activity: 11, collection: 'orders', item: '1', data: '{"a":1}', archived_at: 1 },
			{ id: 22, activity: 12, collection: 'orders', item: '1', delta: '{"a":2}', parent: 21, archived_at: 1 },
		]);

		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(before007).map((m) => m.name));
		if (dialectName(db) === 'pg') expect(await isPartitioned()).toBe(true);
		const revisions = (await db(ARCHIVE_REVISIONS).orderBy('id').select('id', 'activity', 'parent', 'timestamp')) as {
			id: number;
			timestamp: unknown;
		}[];
		expect(revisions.map((r) => Number(r.id))).toEqual([21, 22]);
		expect(((await db(ARCHIVE).orderBy('id').pluck('id')) as number[]).map(Number)).toEqual([11, 12]);
		if (dialectName(db) === 'pg')
			expect(revisions.map((r) => (r.timestamp as Date).toISOString())).toEqual([
				'2026-01-15T10:00:00.000Z',
				'2026-02-03T10:00:00.000Z',
			]);

		// Down one step at a time to before 007: the rows are back in plain tables.
		while ((await migrationStatus(db)).applied.length > before007) await db.migrate.down(MIGRATOR_CONFIG);
		if (dialectName(db) === 'pg') expect(await isPartitioned()).toBe(false);
		expect(((await db(ARCHIVE).orderBy('id').pluck('id')) as number[]).map(Number)).toEqual([11, 12]);
		expect(((await db(ARCHIVE_REVISIONS).orderBy('id').pluck('id')) as number[]).map(Number)).toEqual([21, 22]);
		expect(await migrateUp(db)).toHaveLength(MIGRATIONS.length - before007);
	});

	it('each up runs again without error or a second copy of anything', async () => {
		const tables = await ourTables();
		for (const migration of MIGRATIONS) await migration.up(db);
		expect(await ourTables()).toEqual(tables);
		expect(await migrateUp(db)).toEqual([]);
		expect(((await db(ARCHIVE).orderBy('id').pluck('id')) as number[]).map(Number)).toEqual([11, 12]);
	});

	it('009 fills the collection rollups by summing the wide tables they project, 011 and 012 ask for the member sets and count vectors (the live fill makes them), and 014 drops the collection rollups (its down rebuilds them)', async () => {
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-009-'))) await db.migrate.down(MIGRATOR_CONFIG);
		const row = (
			grain: string,
			bucket: number,
			collection: string,
			action: string,
			origin: string,
			extra: Record<string, string>,
			events: number,
		) => ({ grain, bucket, collection, action, origin, ...extra, events });
		await db('activity_analytics_rollup_user_dims').insert([
			row('d', 86_400, 'orders', 'create', '', { user: 'u1' }, 3),
			row('d', 86_400, 'orders', 'update', 'https://a', { user: 'u1' }, 4),
			row('d', 86_400, 'orders', 'update', '', { user: '' }, 2),
			row('h', 90_000, 'articles', 'create', '', { user: 'u2' }, 5),
		]);
		await db('activity_analytics_rollup_ip_dims').insert([
			row('d', 86_400, 'orders', 'create', '', { ip: '10.0.0.1' }, 3),
			row('d', 86_400, 'orders', 'delete', '', { ip: '10.0.0.1' }, 1),
			row('h', 90_000, 'articles', 'create', '', { ip: '' }, 5),
		]);
		// The user and IP rollups those wide tables project to, as a refresh would have left them.
		await db('activity_analytics_rollup_users').insert([
			{ grain: 'd', bucket: 86_400, user: 'u1', events: 7 },
			{ grain: 'd', bucket: 86_400, user: '', events: 2 },
			{ grain: 'h', bucket: 90_000, user: 'u2', events: 5 },
		]);
		await db('activity_analytics_rollup_ips').insert([
			{ grain: 'd', bucket: 86_400, ip: '10.0.0.1', events: 4 },
			{ grain: 'h', bucket: 90_000, ip: '', events: 5 },
		]);
		const from009 = MIGRATIONS.findIndex((m) => m.name.includes('-009-'));
		const from014 = MIGRATIONS.findIndex((m) => m.name.includes('-014-'));
		// Up to 013: the collection rollups are there, 014 drops them below.
		for (let i = from009; i < from014; i++) await db.migrate.up(MIGRATOR_CONFIG);
		const read = async (table: string, dim: string) =>
			(
				(await db(table)
					.orderBy(['grain', 'bucket', 'collection', dim])
					.select('grain', 'bucket', 'collection', dim, 'events')) as Record<string, unknown>[]
			).map((r) => ({ ...r, bucket: Number(r['bucket']), events: Number(r['events']) }));
		expect(await read('activity_analytics_rollup_collection_users', 'user')).toEqual([
			{ grain: 'd', bucket: 86_400, collection: 'orders', user: '', events: 2 },
			{ grain: 'd', bucket: 86_400, collection: 'orders', user: 'u1', events: 7 },
			{ grain: 'h', bucket: 90_000, collection: 'articles', user: 'u2', events: 5 },
		]);
		expect(await read('activity_analytics_rollup_collection_ips', 'ip')).toEqual([
			{ grain: 'd', bucket: 86_400, collection: 'orders', ip: '10.0.0.1', events: 4 },
			{ grain: 'h', bucket: 90_000, collection: 'articles', ip: '', events: 5 },
		]);
		// Filled once: running it again adds nothing.
		await MIGRATIONS[from009]!.up(db);
		expect(await read('activity_analytics_rollup_collection_ips', 'ip')).toHaveLength(2);
		const collectionUsers = await read('activity_analytics_rollup_collection_users', 'user');
		const collectionIps = await read('activity_analytics_rollup_collection_ips', 'ip');
		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from014).map((m) => m.name));
		expect(await db.schema.hasTable('activity_analytics_rollup_collection_users')).toBe(false);
		expect(await db.schema.hasTable('activity_analytics_rollup_collection_ips')).toBe(false);
		// 014's down rebuilds them from the wide tables as 009 did; its up drops them again.
		await MIGRATIONS[from014]!.down(db);
		expect(await read('activity_analytics_rollup_collection_users', 'user')).toEqual(collectionUsers);
		expect(await read('activity_analytics_rollup_collection_ips', 'ip')).toEqual(collectionIps);
		await MIGRATIONS[from014]!.up(db);
		expect(await db.schema.hasTable('activity_analytics_rollup_collection_users')).toBe(false);
		// 011, 012, 018 and 019 left fill requests, not filled tables: the live fill runs them once, in order. The sets
		// come from the wide rollups: u1, u2 and 10.0.0.1, each in its bucket and collection; the count vectors
		// from the user and IP rollups (5 rows, NULLs included) through that dictionary. These rollups have no
		// raw rows, which the quarter vectors come from (tested below).
		expect(Number((await db('activity_analytics_member_sets').count({ n: '*' }).first())?.['n'])).toBe(0);
		expect(await runRequestedFills(db)).toEqual(['member_sets', 'member_counts', 'member_quarters', 'flow_runs']);
		expect(await runRequestedFills(db)).toEqual([]);
		expect(await memberSetDifferences(db, { quarters: false })).toEqual({
			checked: 8,
			missing: [],
			extra: [],
			orphans: [],
		});
		expect(Number((await db('activity_analytics_member_sets').count({ n: '*' }).first())?.['n'])).toBe(3);
		expect(Number((await db('activity_analytics_member_counts').count({ n: '*' }).first())?.['n'])).toBe(4);
		// Filled once: a rerun of 012 finds its table filled and asks for nothing.
		await MIGRATIONS.find((m) => m.name.includes('-012-'))!.up(db);
		expect(await runRequestedFills(db)).toEqual([]);
		expect(await memberSetDifferences(db, { quarters: false })).toEqual({
			checked: 8,
			missing: [],
			extra: [],
			orphans: [],
		});
		await db('activity_analytics_state').delete();
	});

	it('015 opens today in the per-member tables (its day rows go, its hours stay), and its down empties the rollups for the older code to rebuild', async () => {
		const from015 = MIGRATIONS.findIndex((m) => m.name.includes('-015-'));
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-015-'))) await db.migrate.down(MIGRATOR_CONFIG);
		expect(await db.schema.hasColumn('activity_analytics_state', 'days_closed_before')).toBe(false);
		// The migration's clock is the test's: today cannot turn into tomorrow half-way.
		const now = Date.now();
		closeDays.clock.now = () => now;
		onTestFinished(() => {
			closeDays.clock.now = () => Date.now();
		});
		const today = Math.floor(now / 86_400_000) * 86_400;
		const yesterday = today - 86_400;
		// As the refresh before 015 left them: hour and day rows for every day (and nothing from the test above).
		for (const table of [
			'activity_analytics_rollup_user_dims',
			'activity_analytics_rollup_ip_dims',
			'activity_analytics_rollup_ip_users',
		])
			await db(table).delete();
		await db('activity_analytics_state').insert({
			key: 'rollup',
			watermark: 10,
			generation: 3,
			updated_at: Date.now(),
		});
		const row = (grain: string, bucket: number, user: string, events: number) => ({
			grain,
			bucket,
			collection: 'orders',
			action: 'create',
			origin: '',
			user,
			events,
		});
		await db('activity_analytics_rollup_user_dims').insert([
			row('h', yesterday + 3_600, 'u7', 2),
			row('d', yesterday, 'u7', 2),
			row('h', today, 'u7', 1),
			row('h', today + 7_200, 'u7', 4),
			row('h', today + 7_200, 'u8', 5),
			row('d', today, 'u7', 5),
			row('d', today, 'u8', 5),
		]);
		await db('activity_analytics_rollup_ip_users').insert([
			{ grain: 'h', bucket: today, ip: '10.0.0.9', user: 'u7', events: 1 },
			{ grain: 'd', bucket: today, ip: '10.0.0.9', user: 'u7', events: 1 },
		]);
		const days = async (table: string) =>
			(
				(await db(table)
					.where({ grain: 'd' })
					.andWhere('bucket', '>=', yesterday)
					.orderBy(['bucket', 'user'])
					.select('bucket', 'user', 'events')) as Record<string, unknown>[]
			).map((r) => ({ ...r, bucket: Number(r['bucket']), events: Number(r['events']) }));
		const before = {
			users: await days('activity_analytics_rollup_user_dims'),
			ips: await days('activity_analytics_rollup_ip_users'),
		};

		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from015).map((m) => m.name));
		expect(
			Number((await db('activity_analytics_state').where({ key: 'rollup' }).first())?.['days_closed_before']),
		).toBe(today);
		expect(await days('activity_analytics_rollup_user_dims')).toEqual([{ bucket: yesterday, user: 'u7', events: 2 }]);
		expect(await days('activity_analytics_rollup_ip_users')).toEqual([]);
		expect(
			Number(
				(
					await db('activity_analytics_rollup_user_dims')
						.where({ grain: 'h' })
						.andWhere('bucket', '>=', today)
						.count({ n: '*' })
				)[0]?.['n'],
			),
		).toBe(3);
		expect(await dayRowDifferences(db)).toMatchObject({ daysClosedBefore: today, differences: [] });

		expect(before.users).toHaveLength(3);

		// Down: the rollups are emptied and the watermark goes back to 0 (a new generation), so the older code's
		// refresh rebuilds every row, today's day rows included; up again opens today again.
		await MIGRATIONS[from015]!.down(db);
		expect(await db.schema.hasColumn('activity_analytics_state', 'days_closed_before')).toBe(false);
		expect(await db('activity_analytics_rollup_user_dims').first()).toBeUndefined();
		expect(await db('activity_analytics_rollup_ip_users').first()).toBeUndefined();
		const reset = await db('activity_analytics_state').where({ key: 'rollup' }).first('watermark', 'generation');
		expect([Number(reset?.watermark), Number(reset?.generation)]).toEqual([0, 4]);
		await MIGRATIONS[from015]!.up(db);
		expect(
			Number((await db('activity_analytics_state').where({ key: 'rollup' }).first())?.['days_closed_before']),
		).toBe(today);

		await db('activity_analytics_state').delete();
		for (const table of ['activity_analytics_rollup_user_dims', 'activity_analytics_rollup_ip_users'])
			await db(table).delete();
	});

	it('017 starts with every hour closed; its down empties the rollups for the older code to rebuild when an hour was open, and leaves them when none was', async () => {
		const from017 = MIGRATIONS.findIndex((m) => m.name.includes('-017-'));
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-017-'))) await db.migrate.down(MIGRATOR_CONFIG);
		expect(await db.schema.hasColumn('activity_analytics_state', 'hours_closed_before')).toBe(false);
		const hour = 1_780_000_000 - (1_780_000_000 % 3_600);
		const row = {
			grain: 'h',
			bucket: hour - 3_600,
			collection: 'mig17',
			action: 'create',
			origin: '',
			user: 'u1',
			events: 3,
		};
		await db('activity_analytics_rollup_user_dims').insert(row);
		await db('activity_analytics_state').insert({
			key: 'rollup',
			watermark: 40,
			generation: 1,
			updated_at: Date.now(),
			days_closed_before: hour - (hour % 86_400),
		});
		const state = async () => {
			const s = await db('activity_analytics_state').where({ key: 'rollup' }).first();
			return {
				watermark: Number(s?.['watermark']),
				generation: Number(s?.['generation']),
				gapFloor: Number(s?.['gap_floor']),
			};
		};

		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from017).map((m) => m.name));
		expect(
			Number((await db('activity_analytics_state').where({ key: 'rollup' }).first())?.['hours_closed_before']),
		).toBe(Number.MAX_SAFE_INTEGER);
		// No hour open: every per-member row was written, the older code can go on from them.
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-017-'))) await db.migrate.down(MIGRATOR_CONFIG);
		expect(await state()).toEqual({ watermark: 40, generation: 1, gapFloor: 0 });
		expect(
			Number(
				(await db('activity_analytics_rollup_user_dims').where({ collection: 'mig17' }).count({ n: '*' }))[0]?.['n'],
			),
		).toBe(1);

		// An hour open (as a refresh leaves the current one): its per-member rows were never written, so down resets.
		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from017).map((m) => m.name));
		await db('activity_analytics_state').where({ key: 'rollup' }).update({ hours_closed_before: hour });
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-017-'))) await db.migrate.down(MIGRATOR_CONFIG);
		expect(await db.schema.hasColumn('activity_analytics_state', 'hours_closed_before')).toBe(false);
		expect(await state()).toEqual({ watermark: 0, generation: 2, gapFloor: 40 });
		expect(await db('activity_analytics_rollup_user_dims').first()).toBeUndefined();
		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from017).map((m) => m.name));
		expect(
			Number((await db('activity_analytics_state').where({ key: 'rollup' }).first())?.['hours_closed_before']),
		).toBe(Number.MAX_SAFE_INTEGER);

		await db('activity_analytics_state').delete();
	});

	it('018 has the quarter vectors filled from the absorbed raw rows: events per member, quarter hour and collection', async () => {
		const from018 = MIGRATIONS.findIndex((m) => m.name.includes('-018-'));
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-018-'))) await db.migrate.down(MIGRATOR_CONFIG);
		expect(await db.schema.hasTable('activity_analytics_member_quarters')).toBe(false);
		const quarter = Math.floor(Date.now() / 3_600_000) * 3_600 - 3_600;
		const [u1, u2] = ['00000000-0000-4000-8000-000000000081', '00000000-0000-4000-8000-000000000082'];
		const raw = (user: string | null, ip: string | null, at: number, collection = 'mig18') => ({
			action: 'update',
			collection,
			item: '1',
			user,
			ip,
			timestamp: new Date(at * 1000),
		});
		await db('directus_activity').insert([
			raw(u1, '10.0.0.1', quarter + 10),
			raw(u1, '10.0.0.1', quarter + 899),
			raw(u2, null, quarter + 100),
			raw(null, '10.0.0.2', quarter + 900),
			raw(u1, '10.0.0.2', quarter + 1_000, 'mig18b'),
		]);
		// One absorbed id is an open gap (its transaction had not committed), one row is above the watermark.
		await db('directus_activity').insert(raw(u2, '10.0.0.9', quarter + 20));
		const gap = Number((await db('directus_activity').max({ id: 'id' }).first())?.['id']);
		const watermark = gap;
		await db('directus_activity').insert(raw(u2, '10.0.0.9', quarter + 30));
		await db('activity_analytics_gaps').insert({ id: gap, seen_at: Date.now() });
		await db('activity_analytics_state').insert({ key: 'rollup', watermark, generation: 1, updated_at: Date.now() });

		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from018).map((m) => m.name));
		expect(await db('activity_analytics_member_quarters').first()).toBeUndefined();
		// 019's fill runs after, as up ran it too (the flow rollups hold no run of these rows).
		expect(await runRequestedFills(db)).toEqual(['member_quarters', 'flow_runs']);
		const values = new Map(
			(
				(await db('activity_analytics_members').select('kind', 'id', 'value')) as {
					kind: string;
					id: number | string;
					value: string;
				}[]
			).map((r) => [`${r.kind} ${Number(r.id)}`, r.value]),
		);
		const vectors = (
			(await db('activity_analytics_member_quarters')
				.orderBy(['kind', 'bucket', 'collection'])
				.select('kind', 'bucket', 'collection', 'counts')) as {
				kind: string;
				bucket: number | string;
				collection: string;
				counts: Buffer;
			}[]
		).map((row) => {
			const { counts, none } = decodeMemberCounts(row.counts);
			return {
				kind: row.kind,
				at: Number(row.bucket) - quarter,
				collection: row.collection,
				none,
				counts: Object.fromEntries([...counts].map(([id, n]) => [values.get(`${row.kind} ${id}`), n])),
			};
		});
		expect(vectors).toEqual([
			{ kind: 'ip', at: 0, collection: 'mig18', none: 1, counts: { '10.0.0.1': 2 } },
			{ kind: 'ip', at: 900, collection: 'mig18', none: 0, counts: { '10.0.0.2': 1 } },
			{ kind: 'ip', at: 900, collection: 'mig18b', none: 0, counts: { '10.0.0.2': 1 } },
			{ kind: 'user', at: 0, collection: 'mig18', none: 0, counts: { [u1]: 2, [u2]: 1 } },
			{ kind: 'user', at: 900, collection: 'mig18', none: 1, counts: {} },
			{ kind: 'user', at: 900, collection: 'mig18b', none: 0, counts: { [u1]: 1 } },
		]);
		// Filled once: a rerun finds the table filled and asks for nothing.
		await MIGRATIONS[from018]!.up(db);
		expect(await runRequestedFills(db)).toEqual([]);
		expect(Number((await db('activity_analytics_member_quarters').count({ n: '*' }).first())?.['n'])).toBe(6);

		await db('activity_analytics_state').delete();
		await db('activity_analytics_gaps').delete();
		await db('directus_activity').whereIn('collection', ['mig18', 'mig18b']).delete();
		for (const table of ['activity_analytics_member_quarters', 'activity_analytics_members']) await db(table).delete();
	});

	it('019 has the flow rollups filled with the runs the activity rollups absorbed, and none above the watermark or in a gap', async () => {
		const from019 = MIGRATIONS.findIndex((m) => m.name.includes('-019-'));
		while ((await migrationStatus(db)).applied.some((m) => m.includes('-019-'))) await db.migrate.down(MIGRATOR_CONFIG);
		expect(await db.schema.hasTable('activity_analytics_flow_runs')).toBe(false);
		const flow = '00000000-0000-4000-8000-000000000f19';
		const at = Math.floor(Date.now() / 3_600_000) * 3_600 - 7_200;
		const run = async (offset: number, steps: { key: string; status: string }[] | null) => {
			const [inserted] = await db('directus_activity')
				.insert({ action: 'run', collection: 'directus_flows', item: flow, timestamp: new Date((at + offset) * 1000) })
				.returning('id');
			const id = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
			if (steps)
				await db('directus_revisions').insert({
					activity: id,
					collection: 'directus_flows',
					item: flow,
					data: JSON.stringify({
						steps: steps.map((s) => ({ operation: null, options: {}, ...s })),
						data: { a: 'boom' },
					}),
				});
			return id;
		};
		await run(10, [{ key: 'a', status: 'resolve' }]);
		await run(20, [{ key: 'a', status: 'reject' }]);
		await run(30, null);
		const gap = await run(40, [{ key: 'a', status: 'reject' }]);
		const watermark = gap;
		await run(50, [{ key: 'a', status: 'resolve' }]);
		await db('activity_analytics_gaps').insert({ id: gap, seen_at: Date.now() });
		await db('activity_analytics_state').insert({ key: 'rollup', watermark, generation: 1, updated_at: Date.now() });

		expect(await migrateUp(db)).toEqual(MIGRATIONS.slice(from019).map((m) => m.name));
		expect(await db('activity_analytics_flow_runs').first()).toBeUndefined();
		expect(await runRequestedFills(db)).toEqual(['flow_runs']);
		const hours = (await db('activity_analytics_flow_runs')
			.where({ grain: 'h', flow })
			.orderBy('outcome')
			.select('outcome', 'events')) as { outcome: string; events: number | string }[];
		expect(hours.map((h) => [h.outcome, Number(h.events)])).toEqual([
			['failed', 1],
			['succeeded', 1],
			['unknown', 1],
		]);
		const failures = (await db('activity_analytics_flow_failures').select('flow', 'step_key', 'error')) as unknown[];
		expect(failures).toEqual([{ flow, step_key: 'a', error: 'boom' }]);

		await db('activity_analytics_state').delete();
		await db('activity_analytics_gaps').delete();
		await db('directus_revisions').where({ item: flow }).delete();
		await db('directus_activity').where({ item: flow }).delete();
		for (const table of [
			'activity_analytics_flow_runs',
			'activity_analytics_flow_steps',
			'activity_analytics_flow_failures',
		])
			await db(table).delete();
	});

	it('down removes every table and index of ours, and leaves Directus tables alone', async () => {
		expect(await migrateDown(db)).toHaveLength(MIGRATIONS.length);
		expect((await ourTables()).filter((t) => !t.startsWith('activity_analytics_migrations'))).toEqual([]);
		expect(await db.schema.hasTable('directus_activity')).toBe(true);
		expect(await db.schema.hasTable('directus_revisions')).toBe(true);
		// Up again from nothing.
		expect(await migrateUp(db)).toHaveLength(MIGRATIONS.length);
	});
});

// The lock is knex's on every engine; PostgreSQL (where index builds take long) alone keeps the run short.
describe.runIf(inject('host').env['DB_CLIENT'] === 'pg')('migrations and Directus CLI processes', () => {
	let fresh: Record<string, string>;
	let freshDb: Knex;

	beforeAll(async () => {
		({ env: fresh, db: freshDb } = await ownDatabase('bootstrap'));
	});

	afterAll(async () => {
		await freshDb?.destroy();
		await dropDatabase(fresh);
	});

	it('a short-lived CLI process (bootstrap) starts none of our migrations; our own commands run them to the end', async () => {
		bootstrap(fresh);
		const up = runHostCli(['analytics', 'migrate', 'up'], fresh);
		expect(up.status, up.stderr).toBe(0);
		expect(await migrationStatus(freshDb)).toEqual({ applied: MIGRATIONS.map((m) => m.name), pending: [] });
		const down = runHostCli(['analytics', 'migrate', 'down', '--last'], fresh);
		expect(down.status, down.stderr).toBe(0);

		// bootstrap loads the bundle and exits; a migration it started could be cut off holding the lock
		// (seen with an index build on 10M rows). It must leave the pending one alone.
		bootstrap(fresh);
		expect(await migrationStatus(freshDb)).toEqual({
			applied: MIGRATIONS.slice(0, -1).map((m) => m.name),
			pending: [MIGRATIONS.at(-1)!.name],
		});
		expect(((await freshDb('activity_analytics_migrations_lock').pluck('is_locked')) as unknown[]).map(Number)).toEqual(
			[0],
		);

		const status = runHostCli(['analytics', 'migrate', 'status'], fresh);
		expect(status.status, status.stderr).toBe(0);
		expect(JSON.parse(status.last)).toEqual({ applied: MIGRATIONS.map((m) => m.name), pending: [] });
	});

	it('`analytics migrate unlock` frees a lock a killed process left behind', async () => {
		await freshDb('activity_analytics_migrations_lock').update({ is_locked: 1 });
		const up = runHostCli(['analytics', 'migrate', 'up'], fresh);
		expect(up.status).toBe(1);
		expect(up.stderr).toContain('already locked');
		const unlock = runHostCli(['analytics', 'migrate', 'unlock'], fresh);
		expect(unlock.status, unlock.stderr).toBe(0);
		expect(((await freshDb('activity_analytics_migrations_lock').pluck('is_locked')) as unknown[]).map(Number)).toEqual(
			[0],
		);
		// Free again: the next run takes the lock (in process; the CLI's up is the first test's).
		await migrateUp(freshDb);
		expect(await migrationStatus(freshDb)).toEqual({ applied: MIGRATIONS.map((m) => m.name), pending: [] });
	});
});
