import { describe, expect, it } from 'vitest';
import { MaintenanceOptionsError, parseMaintenanceTasks, parseSince } from '../../src/server/maintenance/run-maintenance';

describe('parseMaintenanceTasks', () => {
	it('defaults to refresh and accepts lists or CSV', () => {
		expect(parseMaintenanceTasks(undefined)).toEqual(['refresh']);
		expect(parseMaintenanceTasks('refresh,report,refresh')).toEqual(['refresh', 'report']);
		expect(parseMaintenanceTasks(['report'])).toEqual(['report']);
		expect(parseMaintenanceTasks('report')).toEqual(['report']);
	});

	it('names unknown tasks instead of ignoring them', () => {
		expect(() => parseMaintenanceTasks(['report', 'drop-everything'])).toThrow(MaintenanceOptionsError);
		expect(() => parseMaintenanceTasks(['drop-everything'])).toThrow(/drop-everything/);
		expect(() => parseMaintenanceTasks([])).toThrow(/at least one/);
	});

	it('reads "since" as an ISO date and names a bad one', () => {
		expect(parseSince('')).toBeUndefined();
		expect(parseSince('2026-11-01T00:00:00Z')?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
		expect(() => parseSince('last tuesday')).toThrow(/"since" must be an ISO date \(got "last tuesday"\)/);
	});
});
