import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import type { AnalyticsStatus } from '../../src/shared/status';
import { apiOk, createNonAdminUser } from '../support/api';
import { dismissLicensePrompt, launchChromium, logIn, screenshot } from '../support/browser';
import { openHostDatabase } from '../support/database';

let browser: Browser;
let dashboardId: string;

beforeAll(async () => {
	const db = openHostDatabase();
	await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 30, seed: 11, end: '2026-11-01T00:00:00Z' }));
	await db.destroy();
	const dashboard = await apiOk<{ data: { id: string } }>('/dashboards', { method: 'POST', body: { name: 'Activity', icon: 'monitoring' } });
	dashboardId = dashboard.data.id;
	await apiOk('/panels', {
		method: 'POST',
		body: { dashboard: dashboardId, name: 'Activity analytics', type: 'activity-analytics-dashboard', position_x: 1, position_y: 1, width: 24, height: 12, show_header: true, options: {} },
	});
	browser = await launchChromium();
});

afterAll(async () => {
	await browser?.close();
});

describe('the panel in the Directus admin app', () => {
	it('renders the same figures as the API for an admin', async () => {
		const host = inject('host');
		const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
		const errors: string[] = [];
		page.on('pageerror', (error) => errors.push(error.message));
		await logIn(page, host.admin.email, host.admin.password);
		await page.goto(`${host.url}/admin/insights/${dashboardId}`);
		const rows = page.getByTestId('kpi-activity-rows');
		await rows.waitFor({ timeout: 30_000 });
		await dismissLicensePrompt(page);
		const status = await apiOk<{ data: AnalyticsStatus }>('/analytics/status');
		const shown = Number((await rows.innerText()).replace(/[^\d]/g, ''));
		// The login's activity row was written before the panel loaded; reads write none.
		expect(shown).toBeGreaterThanOrEqual(10_000);
		expect(shown).toBe(status.data.activity.rows);
		await screenshot(page, 'panel-admin');
		expect(errors).toEqual([]);
		await page.close();
	});

	it('shows a polite no-access state to a non-admin viewer', async () => {
		const host = inject('host');
		const editor = await createNonAdminUser('viewer', { appAccess: true });
		const policies = await apiOk<{ data: { id: string }[] }>(`/policies?filter[name][_contains]=viewer&fields=id`);
		for (const collection of ['directus_dashboards', 'directus_panels']) {
			await apiOk('/permissions', { method: 'POST', body: { policy: policies.data[0]!.id, collection, action: 'read', fields: ['*'], permissions: {} } });
		}
		const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
		await logIn(page, editor.email, editor.password);
		await page.goto(`${host.url}/admin/insights/${dashboardId}`);
		const notice = page.getByTestId('no-access');
		await notice.waitFor({ timeout: 30_000 });
		expect(await notice.innerText()).toMatch(/don't have access/);
		await screenshot(page, 'panel-no-access');
		await page.close();
	});
});
