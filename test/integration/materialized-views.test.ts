import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AnalyticsStatus } from '../../src/shared/status';
import { apiData, apiOk } from '../support/api';
import { openHostDatabase } from '../support/database';
import { runHostCli } from '../support/host-cli';

let db: Knex;

describe.runIf(inject('host').env['DB_CLIENT'] === 'pg')('refresh task: the user materialized views', () => {
	beforeAll(async () => {
		db = openHostDatabase();
		await apiData('/analytics/status');
		await db.raw(
			`create materialized view mv_activity_hourly as select date_trunc('hour', "timestamp") as hour, count(*) as events from directus_activity group by 1`,
		);
		await db.raw('create unique index mv_activity_hourly_hour on mv_activity_hourly (hour)');
		await db.raw(
			`create materialized view top_modules_30d as select collection, count(*) as events from directus_activity group by 1`,
		);
	});

	afterAll(async () => {
		await db.raw('drop materialized view if exists mv_activity_hourly');
		await db.raw('drop materialized view if exists top_modules_30d');
		await db.destroy();
	});

	it('refreshes them after the rollups, CONCURRENTLY where a unique index allows it, and reports each in the status', async () => {
		await db('directus_activity').insert(
			[1, 2, 3].map((n) => ({ action: 'create', collection: 'mv_probe', item: String(n), timestamp: new Date() })),
		);
		const flow = await apiData<{ id: string }>('/flows', {
			method: 'POST',
			body: {
				name: 'Views',
				status: 'active',
				trigger: 'webhook',
				accountability: null,
				options: { method: 'GET', return: '$last' },
			},
		});
		const operation = await apiData<{ id: string }>('/operations', {
			method: 'POST',
			body: {
				flow: flow.id,
				key: 'refresh',
				name: 'Refresh',
				type: 'activity-maintenance',
				position_x: 19,
				position_y: 1,
				options: { tasks: ['refresh'], materialized_views: ['mv_activity_hourly', 'top_modules_30d'] },
			},
		});
		await apiData(`/flows/${flow.id}`, { method: 'PATCH', body: { operation: operation.id } });
		const report = await apiOk<{
			tasks: { refresh: { result: { views: { view: string; concurrently: boolean; durationMs: number }[] } } };
		}>(`/flows/trigger/${flow.id}`);
		expect(report.tasks.refresh.result.views.map(({ view, concurrently }) => ({ view, concurrently }))).toEqual([
			{ view: 'mv_activity_hourly', concurrently: true },
			{ view: 'top_modules_30d', concurrently: false },
		]);
		// Refreshed: the views hold the new rows.
		const [hourly] = (await db.raw('select sum(events)::int as n from mv_activity_hourly')).rows as { n: number }[];
		const [live] = (await db.raw('select count(*)::int as n from directus_activity')).rows as { n: number }[];
		expect(hourly?.n).toBe(live?.n);
		expect((await db('top_modules_30d').where({ collection: 'mv_probe' }).first())?.['events']).toBe('3');
		const status = await apiData<AnalyticsStatus>('/analytics/status');
		expect(status.views.map((v) => v.view)).toEqual(['mv_activity_hourly', 'top_modules_30d']);
		expect(
			status.views.every((v) => Number.isInteger(v.durationMs) && Date.parse(v.refreshedAt) > Date.now() - 60_000),
		).toBe(true);
	});

	it('names a view that does not exist', () => {
		const result = runHostCli(['analytics', 'refresh', '--views', 'mv_activity_hourly,nope_view']);
		expect(result.status).toBe(1);
		expect(result.stderr).toContain('unknown materialized view: nope_view');
	});
});
