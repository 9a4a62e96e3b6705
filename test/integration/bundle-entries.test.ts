import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOk } from '../support/api';
import { openHostDatabase } from '../support/database';

interface ExtensionRow {
	bundle: string | null;
	schema: { type: string; name: string } | null;
	meta: { enabled: boolean };
}

let db: Knex;
beforeAll(() => {
	db = openHostDatabase();
});
afterAll(async () => {
	await db.destroy();
});

describe('the bundle inside a real Directus', () => {
	it('registers all four entries, enabled', async () => {
		const { data } = await apiOk<{ data: ExtensionRow[] }>('/extensions');
		const entries = data
			.filter((e) => e.bundle !== null && e.schema)
			.map((e) => `${e.schema?.type}:${e.schema?.name}:${e.meta.enabled}`);
		expect(entries.sort()).toEqual(
			[
				'endpoint:analytics:true',
				'hook:activity-writer-hook:true',
				'operation:activity-maintenance:true',
				'panel:activity-analytics-dashboard:true',
			].sort(),
		);
	});

	it('runs the maintenance operation in a Flow and returns its report to the Flow', async () => {
		const flow = await apiOk<{ data: { id: string } }>('/flows', {
			method: 'POST',
			body: {
				name: 'Activity report',
				status: 'active',
				trigger: 'webhook',
				accountability: 'all',
				options: { method: 'GET', return: '$last' },
			},
		});
		const operation = await apiOk<{ data: { id: string } }>('/operations', {
			method: 'POST',
			body: {
				flow: flow.data.id,
				key: 'maintenance',
				name: 'Maintenance',
				type: 'activity-maintenance',
				position_x: 19,
				position_y: 1,
				options: { tasks: ['refresh', 'report'] },
			},
		});
		await apiOk(`/flows/${flow.data.id}`, { method: 'PATCH', body: { operation: operation.data.id } });

		// Other suites' Flows may run meanwhile (an alert the refresh raises starts one): count this Flow's rows apart.
		const countRows = async () => Number((await db('directus_activity').count({ n: '*' }))[0]?.['n']);
		const countRuns = async () =>
			Number(
				(
					await db('directus_activity')
						.where({ collection: 'directus_flows', item: flow.data.id, action: 'run' })
						.count({ n: '*' })
				)[0]?.['n'],
			);
		const maxId = async () => Number((await db('directus_activity').max({ maxId: 'id' }))[0]?.['maxId']);
		// Fresh rows the refresh task must absorb.
		await db('directus_activity').insert(
			['a', 'b', 'c'].map((item) => ({ action: 'create', collection: 'flow_probe', item, timestamp: new Date() })),
		);
		const before = await countRows();
		const newestBefore = await maxId();
		const runsBefore = await countRuns();
		const report = await apiOk<{
			tasks: { report: { result: { rows: number } }; refresh: { result: { watermark: number } } };
			rolledUp: number;
			warnings: string[];
		}>(`/flows/trigger/${flow.data.id}`);
		const after = await countRows();
		// The run logs exactly one activity row, before or after the report reads the table.
		expect((await countRuns()) - runsBefore).toBe(1);
		expect(report.tasks.report.result.rows).toBeGreaterThanOrEqual(before);
		expect(report.tasks.report.result.rows).toBeLessThanOrEqual(after);
		// Ids other suites' rolled-back transactions left unused are reported as awaited; nothing else may be.
		expect(report.warnings.filter((w) => !/still awaited/.test(w))).toEqual([]);
		// The refresh task absorbed every row that existed when the Flow started.
		expect(report.tasks.refresh.result.watermark).toBeGreaterThanOrEqual(newestBefore);
		expect(report.rolledUp).toBeGreaterThanOrEqual(3);
	});
});
