import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { repoRoot } from '../../scripts/host.mjs';
import { api } from './api';

export const screenshotDir = join(repoRoot, 'test-results', 'screenshots');

/** Debian's Chromium, headless; the flags keep it off the (closed) network. Never downloads a browser. */
export async function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
}

/** Logs into the Directus admin app through its login form. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
	const host = inject('host');
	await page.goto(`${host.url}/admin/login`);
	await page.locator('input[type="email"]').fill(email);
	await page.locator('input[type="password"]').fill(password);
	await page.locator('button[type="submit"]').click();
	await page.waitForURL(/\/admin\/(content|insights|users|settings|files)/, { timeout: 30_000 });
}

// Directus's default SESSION_COOKIE_NAME; the test hosts keep it.
const SESSION_COOKIE = 'directus_session_token';

/**
 * Signs a fresh page in without the form: the session cookie the API's login (session mode) hands out, as the
 * form would get it. One session per page, because the app rotates the token of the session it refreshes.
 */
export async function signInWithSession(page: Page, email: string, password: string): Promise<void> {
	const login = await api('/auth/login', { method: 'POST', token: null, body: { email, password, mode: 'session' } });
	const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
	expect(cookie, `login answered ${login.status}`).toBeDefined();
	const value = cookie!.split(';')[0]!.slice(SESSION_COOKIE.length + 1);
	await page
		.context()
		.addCookies([{ name: SESSION_COOKIE, value, url: inject('host').url, httpOnly: true, sameSite: 'Lax' }]);
}

/** Directus 12 asks admins about a license key once; choose "Skip" when it does. */
export async function dismissLicensePrompt(page: Page): Promise<void> {
	const skip = page.getByRole('button', { name: 'Skip' });
	try {
		await skip.waitFor({ state: 'visible', timeout: 1_500 });
		await skip.click();
		await skip.waitFor({ state: 'hidden', timeout: 5_000 });
	} catch {
		// no prompt this time
	}
}

export async function screenshot(page: Page, name: string): Promise<string> {
	mkdirSync(screenshotDir, { recursive: true });
	const path = join(screenshotDir, `${name}.png`);
	await page.screenshot({ path, fullPage: false });
	return path;
}
