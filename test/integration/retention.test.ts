import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { api, apiData } from '../support/api';
import { openHostDatabase, toEpochMs } from '../support/database';
import { runHostCli } from '../support/host-cli';

// This file's rows live in 2020, so retention's cutoff touches no other suite's data. The runs use a fixed
// cutoff (--before): with --days it moves with the clock, and a row seconds past it would make a later run
// find one more row to archive.
const END = '2020-06-01T00:00:00Z';
const CUTOFF = Date.parse('2020-05-20T00:00:00Z');
const BEFORE = ['--before', new Date(CUTOFF).toISOString()];
const WINDOW = 'from=2020-05-01T00:00:00Z&to=2020-06-02T00:00:00Z';
// The open hour's rows are retention-open-hour.test.ts's: it drives the clock on a database of its own.

let db: Knex;
const ids = async (table: string, where: (q: Knex.QueryBuilder) => Knex.QueryBuilder = (q) => q) =>
	((await where(db(table)).pluck('id')) as (number | string)[]).map(Number).sort((a, b) => a - b);

async function refreshAll(): Promise<void> {
	for (;;) {
		const result = await apiData<{ rows: number }>('/analytics/refresh', { method: 'POST' });
		if (result.rows === 0) return;
	}
}

beforeAll(async () => {
	db = openHostDatabase();
	await apiData('/analytics/status');
	await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 30, seed: 11, end: END, revisions: true }));
	await refreshAll();
});

// Put the archived rows back, so the suites that run after this one find raw rows and rollups in agreement.
afterAll(async () => {
	const client = inject('host').env['DB_CLIENT'];
	const cast = (column: string, type: string) =>
		client === 'pg' ? `"${column}"::${type}` : client === 'mysql' ? `\`${column}\`` : `"${column}"`;
	const q = (column: string) => (client === 'mysql' ? `\`${column}\`` : `"${column}"`);
	await db.raw(
		`insert into directus_activity (id, action, ${q('user')}, ${q('timestamp')}, ip, user_agent, collection, item, origin) select id, action, ${cast('user', 'uuid')}, ${q('timestamp')}, ip, user_agent, collection, item, origin from activity_analytics_archive_activity order by id`,
	);
	await db.raw(
		`insert into directus_revisions (id, activity, collection, item, data, delta, parent, version) select id, activity, collection, item, ${cast('data', 'json')}, ${cast('delta', 'json')}, parent, ${cast('version', 'uuid')} from activity_analytics_archive_revisions order by id`,
	);
	await db('activity_analytics_archive_revisions').delete();
	await db('activity_analytics_archive_activity').delete();
	await db.destroy();
});

describe('retention: archive, then delete', () => {
	let originalActivity: number[];
	let originalRevisions: number[];
	let unabsorbed: number[];
	let overviewBefore: unknown;

	it('a dry run counts what would go and changes nothing', async () => {
		// Old rows the rollups have not absorbed yet (committed after the refresh) must stay.
		await db('directus_activity').insert(
			[1, 2, 3, 4, 5].map((n) => ({
				action: 'update',
				collection: 'retention_late',
				item: String(n),
				timestamp: new Date('2020-05-05T10:00:00Z'),
			})),
		);
		unabsorbed = await ids('directus_activity', (q) => q.where('collection', 'retention_late'));
		await api('/analytics/cache', { method: 'DELETE' });
		overviewBefore = await apiData(`/analytics/overview?${WINDOW}`);

		const dry = runHostCli(['analytics', 'retention', ...BEFORE, '--dry-run']);
		expect(dry.status, dry.stderr).toBe(0);
		const preview = JSON.parse(dry.last) as { cutoff: string };
		// The rows older than the cutoff the run reports, timestamps converted in JS (SQLite holds text and numbers).
		const cutoff = Date.parse(preview.cutoff);
		expect(cutoff).toBe(CUTOFF);
		const oldIds = async () =>
			((await db('directus_activity').select('id', 'timestamp')) as { id: number; timestamp: unknown }[])
				.filter((r) => toEpochMs(r.timestamp) < cutoff)
				.map((r) => Number(r.id))
				.sort((a, b) => a - b);
		const old = await oldIds();
		originalActivity = old.filter((id) => !unabsorbed.includes(id));
		originalRevisions = ((await db('directus_revisions').whereIn('activity', originalActivity).pluck('id')) as number[])
			.map(Number)
			.sort((a, b) => a - b);
		expect(originalActivity.length).toBeGreaterThan(4000);
		expect(preview).toMatchObject({
			dryRun: true,
			activityDeleted: originalActivity.length,
			revisionsDeleted: originalRevisions.length,
			keptUnabsorbed: 5,
		});
		expect(await oldIds()).toEqual(old);
	});

	it('moves every old, absorbed row to the archive, once, in small batches, and keeps the rest', async () => {
		const run = runHostCli(['analytics', 'retention', ...BEFORE, '--batch-size', '1500', '--archive-months', '0']);
		expect(run.status, run.stderr).toBe(0);
		expect(run.stderr).toMatch(/retention .*100%/);
		const report = JSON.parse(run.last) as {
			activityArchived: number;
			activityDeleted: number;
			revisionsArchived: number;
			batches: number;
			keptUnabsorbed: number;
		};
		expect(report).toMatchObject({
			activityArchived: originalActivity.length,
			activityDeleted: originalActivity.length,
			revisionsArchived: originalRevisions.length,
			keptUnabsorbed: 5,
		});
		expect(report.batches).toBe(Math.ceil(originalActivity.length / 1500));

		// Archive plus live equals the original: nothing lost, nothing doubled.
		expect(await ids('activity_analytics_archive_activity')).toEqual(originalActivity);
		expect(await ids('activity_analytics_archive_revisions')).toEqual(originalRevisions);
		const live = new Set(await ids('directus_activity'));
		expect(originalActivity.filter((id) => live.has(id))).toEqual([]);
		expect(unabsorbed.every((id) => live.has(id))).toBe(true);
		const liveRevisions = new Set(await ids('directus_revisions'));
		expect(originalRevisions.filter((id) => liveRevisions.has(id))).toEqual([]);
		// No live revision points at one that went.
		const dangling = await db('directus_revisions')
			.whereIn('parent', originalRevisions.slice(0, 900))
			.count({ n: '*' });
		expect(Number(dangling[0]?.['n'])).toBe(0);
		// The archived rows are the rows that were there.
		const sample = (await db('activity_analytics_archive_activity')
			.whereIn('id', originalActivity.slice(0, 50))
			.orderBy('id')
			.select('id', 'action', 'collection', 'item')) as { id: number }[];
		expect(sample.map((r) => Number(r.id))).toEqual(originalActivity.slice(0, 50));
	});

	it('leaves the dashboards their history: the rollups answer as before', async () => {
		await api('/analytics/cache', { method: 'DELETE' });
		expect(await apiData(`/analytics/overview?${WINDOW}`)).toEqual(overviewBefore);
	});

	it('a second run finds nothing more to do', () => {
		const again = runHostCli(['analytics', 'retention', ...BEFORE, '--archive-months', '0']);
		expect(again.status, again.stderr).toBe(0);
		expect(JSON.parse(again.last)).toMatchObject({ activityDeleted: 0, revisionsDeleted: 0, keptUnabsorbed: 5 });
	});

	it('refuses bad settings with the setting named', () => {
		const bad = runHostCli(['analytics', 'retention', '--days', '-3', '--archive', 'ftp']);
		expect(bad.status).toBe(1);
		expect(bad.stderr).toContain('"keep_days" must be a whole number from 1 to 36500 (got "-3")');
		expect(bad.stderr).toContain('"archive" must be archive, files or none (got "ftp")');
		const badDate = runHostCli(['analytics', 'retention', '--before', 'last tuesday']);
		expect(badDate.status).toBe(1);
		expect(badDate.stderr).toContain('--before must be an ISO date (got "last tuesday")');
	});
});
