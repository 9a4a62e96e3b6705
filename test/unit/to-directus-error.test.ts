import { describe, expect, it } from 'vitest';
import { toDirectusError } from '../../src/analytics-endpoint/to-directus-error';
import { AnalyticsQueryError } from '../../src/server/query/query-error';

describe('toDirectusError', () => {
	it('answers a held migration lock with 503 and the way out, not a 500', () => {
		const locked = Object.assign(new Error('Migration table is already locked'), { name: 'MigrationLocked' });
		const error = toDirectusError(locked) as { status: number; code: string; message: string };
		expect(error.status).toBe(503);
		expect(error.code).toBe('SERVICE_UNAVAILABLE');
		expect(error.message).toContain('analytics migrate unlock');
	});

	it('answers bad input with 400 and leaves other errors alone', () => {
		expect((toDirectusError(new AnalyticsQueryError('tz', 'not an IANA time zone')) as { status: number }).status).toBe(
			400,
		);
		const other = new Error('boom');
		expect(toDirectusError(other)).toBe(other);
	});
});
