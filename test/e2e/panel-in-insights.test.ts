import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { repoRoot } from '../../scripts/host.mjs';
import { api, apiOk, createNonAdminUser } from '../support/api';
import { dismissLicensePrompt, launchChromium, logIn, screenshot, signInWithSession } from '../support/browser';
import { openHostDatabase } from '../support/database';
import { createWebhookFlow, runWebhookFlow } from '../support/flows';

// The panel in the real admin app, in real Chromium, on seeded data. PANEL_TEST_ROWS raises the dataset
// (1M for the first-paint figure in the README); CI uses 20k.
const ROWS = Number(process.env['PANEL_TEST_ROWS'] ?? 20_000);
const TZ = 'Europe/Berlin';

let browser: Browser;
let dashboardId: string;
let panelId: string;

interface Overview {
	current: { events: number; users: number; ips: number };
}

beforeAll(async () => {
	const db = openHostDatabase();
	await loadActivity(db, parseGeneratorOptions({ rows: ROWS, days: 30, seed: 11 }));
	await db.destroy();
	await apiOk('/analytics/refresh', { method: 'POST' });
	const dashboard = await apiOk<{ data: { id: string } }>('/dashboards', {
		method: 'POST',
		body: { name: 'Activity', icon: 'monitoring' },
	});
	dashboardId = dashboard.data.id;
	const panel = await apiOk<{ data: { id: string } }>('/panels', {
		method: 'POST',
		body: {
			dashboard: dashboardId,
			name: 'Activity analytics',
			icon: 'monitoring',
			type: 'activity-analytics-dashboard',
			position_x: 1,
			position_y: 1,
			width: 36,
			height: 30,
			show_header: true,
			options: {},
		},
	});
	panelId = panel.data.id;
	browser = await launchChromium();
});

afterAll(async () => {
	await browser?.close();
});

async function openDashboard(page: Page): Promise<number> {
	const started = Date.now();
	await page.goto(`${inject('host').url}/admin/insights/${dashboardId}`);
	await page.getByTestId('kpi-events').locator('.value').waitFor({ timeout: 30_000 });
	const elapsed = Date.now() - started;
	// Directus 12 asks admins about a license once per browser; it would cover the panel.
	await dismissLicensePrompt(page);
	return elapsed;
}

async function kpi(page: Page, key: 'events' | 'users' | 'ips'): Promise<number> {
	return Number(await page.getByTestId(`kpi-${key}`).locator('.value').getAttribute('data-value'));
}

async function newPage(): Promise<Page> {
	const context = await browser.newContext({
		viewport: { width: 1500, height: 1100 },
		timezoneId: TZ,
		locale: 'en-US',
	});
	return context.newPage();
}

/** A page already signed in as the admin (the login form is exercised once, by the non-admin viewer). */
async function newAdminPage(): Promise<Page> {
	const page = await newPage();
	await signInWithSession(page, inject('host').admin.email, inject('host').admin.password);
	return page;
}

/** An admin's page on the dashboard, recording every /analytics/overview request the panel makes. */
async function openAsAdmin(options: { fakeClock?: boolean } = {}): Promise<{ page: Page; overviewRequests: string[] }> {
	const page = await newAdminPage();
	// The page's timers on a clock the test moves on, so a timer's ticks cost no wall time.
	if (options.fakeClock) await page.clock.install();
	const overviewRequests: string[] = [];
	page.on('request', (request) => {
		if (request.url().includes('/analytics/overview')) overviewRequests.push(request.url());
	});
	await openDashboard(page);
	return { page, overviewRequests };
}

describe('the activity panel in the Directus admin app', () => {
	it('shows the API figures with its charts, in the viewer time zone, with a cold cache', async () => {
		const page = await newAdminPage();
		const errors: string[] = [];
		page.on('pageerror', (error) => errors.push(error.message));
		const failed: string[] = [];
		page.on('response', (response) => {
			if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
		});
		const requests: string[] = [];
		page.on('request', (request) => {
			if (request.url().includes('/analytics/')) requests.push(request.url());
		});
		await apiOk('/analytics/cache', { method: 'DELETE' });
		const pageLoadMs = await openDashboard(page);
		// From the panel's mount to its first data, as the panel itself marks it.
		const firstPaintMs = await page.evaluate(
			() => performance.getEntriesByType('measure').find((m) => m.name.endsWith(':first-paint'))?.duration ?? -1,
		);
		expect(firstPaintMs).toBeGreaterThan(0);
		const overview = await apiOk<{ data: Overview }>(`/analytics/overview?range=7d&tz=${encodeURIComponent(TZ)}`);
		expect(overview.data.current.events).toBeGreaterThan(0);
		expect(await kpi(page, 'events')).toBe(overview.data.current.events);
		expect(await kpi(page, 'users')).toBe(overview.data.current.users);
		expect(await kpi(page, 'ips')).toBe(overview.data.current.ips);
		expect(requests.some((url) => url.includes(`tz=${encodeURIComponent(TZ)}`))).toBe(true);
		for (const widget of ['timeseries', 'collections', 'actions']) {
			const box = await page.getByTestId(widget).locator('canvas').boundingBox();
			expect(box?.width, widget).toBeGreaterThan(100);
			expect(box?.height, widget).toBeGreaterThan(100);
		}
		await page.getByTestId('top-ips').locator('tbody tr').first().waitFor();
		expect(await page.getByTestId('top-ips').locator('tbody tr').count()).toBe(10);
		const shot = await screenshot(page, 'panel-light');
		mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
		writeFileSync(
			join(repoRoot, 'test-results', 'panel-first-paint.json'),
			JSON.stringify({ rows: ROWS, firstPaintMs: Math.round(firstPaintMs), pageLoadMs }),
		);
		if (process.env['UPDATE_DOCS_SCREENSHOT'] === '1') copyFileSync(shot, join(repoRoot, 'docs', 'panel.png'));
		expect(failed.filter((f) => f.includes('/analytics/'))).toEqual([]);
		expect(errors, failed.join('\n')).toEqual([]);
		await page.context().close();
	});

	it('follows its options: a collection filter changes the request and the figures', async () => {
		await apiOk(`/panels/${panelId}`, {
			method: 'PATCH',
			body: { options: { collection: 'orders', widgets: ['kpis', 'timeseries', 'users'] } },
		});
		const { page, overviewRequests: requests } = await openAsAdmin();
		expect(requests.at(-1)).toContain('collection=orders');
		const overview = await apiOk<{ data: Overview }>(
			`/analytics/overview?range=7d&collection=orders&tz=${encodeURIComponent(TZ)}`,
		);
		expect(await kpi(page, 'events')).toBe(overview.data.current.events);
		expect(await page.getByTestId('collections').count()).toBe(0);
		// Clicking a user filters the other widgets.
		const filtered = page.waitForRequest(
			(request) => request.url().includes('/analytics/overview') && request.url().includes('user='),
		);
		await page.getByTestId('top-users').locator('tbody tr').first().click();
		await filtered;
		expect(requests.at(-1)).toMatch(/user=[0-9a-f-]{36}/);
		await page.context().close();
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: {} } });
	});

	it('filters every widget by the collection whose bar is clicked', async () => {
		const { page, overviewRequests: requests } = await openAsAdmin();
		const top = await apiOk<{ data: { rows: { key: string }[] } }>(
			`/analytics/breakdown?by=collection&range=7d&tz=${encodeURIComponent(TZ)}`,
		);
		const canvas = page.getByTestId('collections').locator('canvas');
		const box = (await canvas.boundingBox())!;
		// The busiest collection is the first (top) bar; sweep along its row until the click lands on it.
		for (const fy of [0.05, 0.08, 0.11]) {
			for (let fx = 0.35; fx < 0.95 && !requests.some((u) => u.includes('collection=')); fx += 0.05) {
				await canvas.click({ position: { x: box.width * fx, y: box.height * fy } });
				await page.waitForTimeout(150);
			}
		}
		expect(requests.find((u) => u.includes('collection='))).toContain(`collection=${top.data.rows[0]!.key}`);
		await page.getByTestId('clear-collection').waitFor();
		await page.context().close();
	});

	it('shows flow health: failure rate per flow and recent failures, each linking to the flow in the app', async () => {
		const failing = await createWebhookFlow('Sync to CRM', 'all', {
			type: 'exec',
			options: { code: "module.exports = async function () { throw new Error('crm is down'); };" },
		});
		const fine = await createWebhookFlow('Nightly digest', 'all', { type: 'log', options: { message: 'ok' } });
		await runWebhookFlow(failing, 3);
		await runWebhookFlow(fine, 2);
		for (const id of [failing, fine]) await apiOk(`/flows/${id}`, { method: 'PATCH', body: { status: 'inactive' } });
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: { widgets: ['flows'] } } });
		// The first test's panel cached this window's answer before these flows ran.
		await apiOk('/analytics/cache', { method: 'DELETE' });
		const page = await newAdminPage();
		await page.goto(`${inject('host').url}/admin/insights/${dashboardId}`);
		const widget = page.getByTestId('flows');
		await widget.getByTestId('flow-row').first().waitFor({ timeout: 30_000 });
		await dismissLicensePrompt(page);
		const period = `range=7d&tz=${encodeURIComponent(TZ)}`;
		const flows = await apiOk<{
			data: {
				flows: { flow: string; name: string | null; runs: number; failed: number; failureRate: number | null }[];
			};
		}>(`/analytics/flows?${period}`);
		const expected = flows.data.flows.filter((f) => f.runs > 0).slice(0, 8);
		const rows = widget.getByTestId('flow-row');
		expect(await rows.count()).toBe(expected.length);
		for (const [i, flow] of expected.entries()) {
			const row = rows.nth(i);
			expect(await row.getAttribute('data-flow')).toBe(flow.flow);
			expect(Number((await row.getByTestId('flow-runs').innerText()).replace(/\D/g, ''))).toBe(flow.runs);
			expect(Number((await row.getByTestId('flow-failed').innerText()).replace(/\D/g, ''))).toBe(flow.failed);
			expect(await row.getByTestId('flow-rate').getAttribute('data-value')).toBe(String(flow.failureRate ?? ''));
		}
		// Most failures first: the failing flow leads, at 100 %.
		expect(expected[0]).toMatchObject({ flow: failing, failed: 3, failureRate: 1 });
		expect(await rows.first().getByTestId('flow-rate').innerText()).toBe('100%');
		const failures = await apiOk<{ data: { rows: { id: number; flow: string; error: string | null }[] } }>(
			`/analytics/flows/failures?${period}&limit=5`,
		);
		const items = widget.getByTestId('flow-failure');
		expect(await items.count()).toBe(failures.data.rows.length);
		expect(await items.first().innerText()).toContain('crm is down');
		await screenshot(page, 'panel-flows');
		// The flow's name is a link into the app's flow editor (Directus 12 moved it from /settings/flows, which
		// it redirects, to /flows).
		await rows.first().getByRole('link', { name: 'Sync to CRM' }).click();
		await page.waitForURL(new RegExp(`/admin/(settings/)?flows/${failing}$`));
		await page.getByText('Run Script').first().waitFor();
		await page.context().close();
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: {} } });
	});

	it("shows the API's error message for a window the API refuses", async () => {
		await apiOk(`/panels/${panelId}`, {
			method: 'PATCH',
			body: { options: { range: 'custom', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } },
		});
		const page = await newAdminPage();
		await page.goto(`${inject('host').url}/admin/insights/${dashboardId}`);
		const error = page.getByTestId('error');
		await error.waitFor({ timeout: 30_000 });
		expect(await error.innerText()).toContain('"from": must be before to');
		await page.context().close();
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: {} } });
	});

	it('auto-refreshes on its timer and stops every timer and request once unmounted', async () => {
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: { autoRefresh: 5, widgets: ['kpis'] } } });
		const { page, overviewRequests } = await openAsAdmin({ fakeClock: true });
		const afterMount = overviewRequests.length;
		await page.clock.runFor(11_500);
		await expect.poll(() => overviewRequests.length - afterMount).toBeGreaterThanOrEqual(2);
		// Leave the dashboard inside the app (router navigation, same page): the panel unmounts, and nothing
		// of it may keep running.
		await page.locator('a[href="/admin/content"]').first().click();
		await page.waitForURL(/\/admin\/content/);
		await page.getByTestId('activity-analytics-panel').waitFor({ state: 'detached' });
		await page.waitForTimeout(500);
		const afterLeaving = overviewRequests.length;
		await page.clock.runFor(11_000);
		// Real time too, for a request a stray timer would have started.
		await page.waitForTimeout(500);
		expect(overviewRequests.length).toBe(afterLeaving);
		await page.context().close();
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: {} } });
	});

	it("reloads when the dashboard's own Auto Refresh ticks", async () => {
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: { widgets: ['kpis'] } } });
		const { page } = await openAsAdmin({ fakeClock: true });
		if (!(await page.getByText('Refresh Interval').isVisible())) await page.getByText('Auto Refresh').click();
		await page
			.locator('#sidebar')
			.getByText('Refresh Interval')
			.locator('xpath=following::*[contains(@class,"v-select") or contains(@class,"v-input")][1]')
			.click();
		const reloaded = page.waitForRequest((request) => request.url().includes('/analytics/overview'), {
			timeout: 20_000,
		});
		await page.locator('.v-menu-content').getByText('Every 10 Seconds').click();
		await page.clock.runFor(10_500);
		await reloaded;
		await page.context().close();
		await apiOk(`/panels/${panelId}`, { method: 'PATCH', body: { options: {} } });
	});

	it('renders in the dark theme', async () => {
		await apiOk('/users/me', { method: 'PATCH', body: { appearance: 'dark' } });
		const page = await newAdminPage();
		await openDashboard(page);
		const background = await page.getByTestId('activity-analytics-panel').evaluate((el) => {
			let node: Element | null = el;
			while (node) {
				const color = getComputedStyle(node).backgroundColor;
				if (color && color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') return color;
				node = node.parentElement;
			}
			return 'rgb(255, 255, 255)';
		});
		const [r, g, b] = (background.match(/\d+/g) ?? ['255', '255', '255']).map(Number);
		expect(0.2126 * r! + 0.7152 * g! + 0.0722 * b!).toBeLessThan(80);
		await page.getByTestId('timeseries').locator('canvas').waitFor();
		const shot = await screenshot(page, 'panel-dark');
		if (process.env['UPDATE_DOCS_SCREENSHOT'] === '1') copyFileSync(shot, join(repoRoot, 'docs', 'panel-dark.png'));
		await page.context().close();
		await apiOk('/users/me', { method: 'PATCH', body: { appearance: 'light' } });
	});

	it('warns when nearly every recent event carries one internal IP, as behind a proxy Directus does not trust', async () => {
		const clean = await newAdminPage();
		await openDashboard(clean);
		await clean.getByTestId('freshness').getByText('rollups', { exact: false }).waitFor({ timeout: 30_000 });
		expect(await clean.getByTestId('status-warning').count()).toBe(0);
		await clean.context().close();
		const db = openHostDatabase();
		const now = Date.now();
		const proxied = Array.from({ length: 1_000 }, (_, i) => ({
			action: 'update',
			collection: 'proxied_probe',
			item: String(i),
			ip: '10.0.0.7',
			timestamp: new Date(now - 60_000 + i),
		}));
		try {
			for (let i = 0; i < proxied.length; i += 100) await db('directus_activity').insert(proxied.slice(i, i + 100));
			const page = await newAdminPage();
			await openDashboard(page);
			const warning = page.getByTestId('status-warning');
			await warning.waitFor({ timeout: 30_000 });
			expect(await warning.getAttribute('data-code')).toBe('IP_TRUST_PROXY');
			expect(await warning.innerText()).toMatch(/10\.0\.0\.7.*IP_TRUST_PROXY/s);
			await screenshot(page, 'panel-proxy-warning');
			await page.context().close();
		} finally {
			await db('directus_activity').where({ collection: 'proxied_probe' }).delete();
			await db.destroy();
		}
	});

	it('shows a polite no-access state to a non-admin viewer', async () => {
		const host = inject('host');
		const editor = await createNonAdminUser('viewer', { appAccess: true });
		const policies = await apiOk<{ data: { id: string }[] }>(`/policies?filter[name][_contains]=viewer&fields=id`);
		for (const collection of ['directus_dashboards', 'directus_panels']) {
			await apiOk('/permissions', {
				method: 'POST',
				body: { policy: policies.data[0]!.id, collection, action: 'read', fields: ['*'], permissions: {} },
			});
		}
		expect((await api('/analytics/overview', { token: editor.token })).status).toBe(403);
		const page = await newPage();
		await logIn(page, editor.email, editor.password);
		await page.goto(`${host.url}/admin/insights/${dashboardId}`);
		const notice = page.getByTestId('no-access');
		await notice.waitFor({ timeout: 30_000 });
		expect(await notice.innerText()).toMatch(/don't have access/);
		expect(await page.getByTestId('error').count()).toBe(0);
		await screenshot(page, 'panel-no-access');
		await page.context().close();
	});
});
