// Panel first paint: from the panel's mount to its first data (the panel's own performance marks), cache cold,
// in Debian's Chromium against the real admin app, on the read-path benchmark's PostgreSQL dataset.
// Run the read-path bench for the size first (it creates and rolls up aa_bench_<rows>).
// Usage: node scripts/host.mjs run-node bench/panel-first-paint.mjs --rows 1M [--runs 5]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseSize } from '../scripts/generate-activity.mjs';
import { DEMO_ADMIN, repoRoot, startHost, stopHost } from '../scripts/host.mjs';
import { fmt, machineNote, markdownTable, percentile } from './lib/stats.mjs';
import { flag } from './lib/flags.mjs';

const { chromium } = createRequire(join(repoRoot, 'package.json'))('playwright-core');
const rows = parseSize(flag('rows', '1M'));
const runs = Number(flag('runs', '5'));
const name = `paint-${rows}`;

const env = {
	DB_CLIENT: 'pg',
	DB_HOST: '127.0.0.1',
	DB_USER: 'postgres',
	DB_DATABASE: `aa_bench_${rows}`,
	REDIS: 'redis://127.0.0.1:6379',
	CACHE_NAMESPACE: `aa_bench_${rows}`,
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	LOG_LEVEL: 'warn',
};
// The dataset ends 2026-11-01: a 7-day custom window like the read-path bench, and the 90-day preset.
const WINDOWS = [
	['7 days', { range: 'custom', from: '2026-10-24T17:23:00Z', to: '2026-10-31T17:23:00Z' }],
	['90 days', { range: '90d' }],
];

async function main() {
	const host = await startHost({ name, port: 18302, env });
	const call = async (method, path, body) => {
		const response = await fetch(`${host.url}${path}`, {
			method,
			headers: { authorization: `Bearer ${DEMO_ADMIN.token}`, 'content-type': 'application/json' },
			body: body && JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
		return text ? JSON.parse(text) : null;
	};
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	try {
		await call('PATCH', '/settings', {
			project_owner: DEMO_ADMIN.email,
			project_usage: 'personal',
			product_updates: false,
		});
		const results = [];
		for (const [label, options] of WINDOWS) {
			const dashboard = (await call('POST', '/dashboards', { name: `First paint ${label}`, icon: 'monitoring' })).data
				.id;
			await call('POST', '/panels', {
				dashboard,
				name: 'Activity analytics',
				type: 'activity-analytics-dashboard',
				position_x: 1,
				position_y: 1,
				width: 36,
				height: 40,
				show_header: true,
				options,
			});
			const page = await (
				await browser.newContext({ viewport: { width: 1500, height: 1100 }, timezoneId: 'Europe/Berlin' })
			).newPage();
			await page.goto(`${host.url}/admin/login`);
			await page.locator('input[type="email"]').fill(DEMO_ADMIN.email);
			await page.locator('input[type="password"]').fill(DEMO_ADMIN.password);
			await page.locator('button[type="submit"]').click();
			await page.waitForURL(/\/admin\/(content|insights)/);
			const samples = [];
			for (let i = 0; i < runs; i++) {
				await call('DELETE', '/analytics/cache');
				await page.goto(`${host.url}/admin/insights/${dashboard}`);
				await page.getByTestId('kpi-events').locator('.value').waitFor({ timeout: 60_000 });
				samples.push(
					await page.evaluate(
						() => performance.getEntriesByType('measure').find((m) => m.name.endsWith(':first-paint'))?.duration ?? NaN,
					),
				);
			}
			await page.context().close();
			results.push([label, fmt(percentile(samples, 50)), fmt(Math.min(...samples)), fmt(Math.max(...samples))]);
		}
		process.stdout.write(
			`\n${markdownTable([`panel first paint at ${rows.toLocaleString('en')} rows, cache cold (ms)`, 'p50', 'min', 'max'], results)}\n\nMachine: ${machineNote()}\n`,
		);
	} finally {
		await browser.close();
		await stopHost(name);
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
