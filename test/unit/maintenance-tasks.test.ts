import { describe, expect, it } from 'vitest';
import { MaintenanceOptionsError, parseMaintenanceTasks, parseRetentionSettings, parseSince } from '../../src/server/maintenance/run-maintenance';

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

	it('gives working retention defaults and names every bad retention option', () => {
		expect(parseRetentionSettings({})).toEqual({ keepDays: 90, batchSize: 5000, mode: 'archive', dryRun: false });
		expect(parseRetentionSettings({ keep_days: '30', batch_size: 1000, archive: 'none', dry_run: true })).toEqual({ keepDays: 30, batchSize: 1000, mode: 'none', dryRun: true });
		expect(() => parseRetentionSettings({ keep_days: -1, batch_size: 5, archive: 's3' })).toThrow(
			'"keep_days" must be a whole number from 1 to 36500 (got "-1"); "batch_size" must be a whole number from 100 to 100000 (got "5"); "archive" must be archive or none (got "s3")',
		);
	});
});
