import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import { canReadAnalytics } from '../../src/server/services/access';
import { parseConfig } from '../../src/server/schema/config';

const base: Accountability = { user: 'u1', role: 'r-editor', roles: ['r-editor'], admin: false, app: true, ip: null };

describe('canReadAnalytics', () => {
	it('lets admins in and keeps the public out', () => {
		const config = parseConfig({});
		expect(canReadAnalytics({ ...base, admin: true }, config)).toBe(true);
		expect(canReadAnalytics(null, config)).toBe(false);
		expect(canReadAnalytics({ ...base, user: null, admin: false }, config)).toBe(false);
	});

	it('refuses non-admins unless their role or policy is configured', () => {
		expect(canReadAnalytics(base, parseConfig({}))).toBe(false);
		expect(canReadAnalytics(base, parseConfig({ ACTIVITY_ANALYTICS_ALLOWED_ROLES: 'r-editor' }))).toBe(true);
		expect(
			canReadAnalytics(
				{ ...base, role: null, roles: ['r-nested'] },
				parseConfig({ ACTIVITY_ANALYTICS_ALLOWED_ROLES: 'r-nested' }),
			),
		).toBe(true);
		const withPolicy = { ...base, policies: ['p-analysts'] } as Accountability;
		expect(canReadAnalytics(withPolicy, parseConfig({ ACTIVITY_ANALYTICS_ALLOWED_POLICIES: 'p-analysts' }))).toBe(true);
		expect(canReadAnalytics(withPolicy, parseConfig({ ACTIVITY_ANALYTICS_ALLOWED_POLICIES: 'p-other' }))).toBe(false);
	});
});
