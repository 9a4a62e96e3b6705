import { describe, expect, it } from 'vitest';
import {
	MaintenanceOptionsError,
	parseMaintenanceTasks,
	parsePrivacySettings,
	parseRetentionSettings,
	parseSince,
	retentionLagRefusal,
} from '../../src/server/services/run-maintenance';
import { archiveCutoff, partitionName } from '../../src/server/retention/archive-partitions';
import { maintenanceOptionProblems } from '../../src/shared/maintenance-options';

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
		expect(parseRetentionSettings({})).toEqual({
			keepDays: 90,
			batchSize: 5000,
			mode: 'archive',
			archiveMonths: 24,
			dryRun: false,
		});
		expect(
			parseRetentionSettings({
				keep_days: '30',
				batch_size: 1000,
				archive: 'files',
				archive_months: '0',
				dry_run: true,
			}),
		).toEqual({ keepDays: 30, batchSize: 1000, mode: 'files', archiveMonths: 0, dryRun: true });
		expect(() => parseRetentionSettings({ keep_days: -1, batch_size: 5, archive: 's3', archive_months: -2 })).toThrow(
			'"keep_days" must be a whole number from 1 to 36500 (got "-1"); "batch_size" must be a whole number from 100 to 100000 (got "5"); "archive_months" must be a whole number from 0 to 1200 (got "-2"); "archive" must be archive, files or none (got "s3")',
		);
	});

	it('reads the anonymize and erase options; erase needs a user', () => {
		expect(parsePrivacySettings({}, ['refresh'])).toEqual({ anonymizeDays: 30, eraseUser: null });
		expect(
			parsePrivacySettings({ anonymize_days: '7', erase_user: ' 0b1f3c1e-6a43-4f1d-9a65-2d7d3a3f9a10 ' }, ['erase']),
		).toEqual({ anonymizeDays: 7, eraseUser: '0b1f3c1e-6a43-4f1d-9a65-2d7d3a3f9a10' });
		expect(() => parsePrivacySettings({ anonymize_days: 0 }, ['erase'])).toThrow(
			'"anonymize_days" must be a whole number from 1 to 36500 (got "0"); "erase_user" is required for the erase task',
		);
	});
});

describe('maintenanceOptionProblems (the Flow editor notice and the handler)', () => {
	it('finds nothing wrong with the defaults', () => {
		expect(maintenanceOptionProblems({})).toEqual([]);
		expect(
			maintenanceOptionProblems({
				tasks: ['retention', 'anonymize'],
				keep_days: 90,
				archive: 'files',
				archive_months: 24,
				anonymize_days: 30,
			}),
		).toEqual([]);
	});

	it('names every bad option', () => {
		expect(
			maintenanceOptionProblems({
				tasks: ['erase', 'vacuum'],
				keep_days: -5,
				archive: 'tape',
				anonymize_days: 'soon',
				since: 'yesterday',
			}),
		).toEqual([
			'Unknown maintenance task(s): vacuum. Known: refresh, retention, anonymize, erase, analyze, partitions, report, triggers-analyze, triggers-plan, triggers-validate.',
			'"keep_days" must be a whole number from 1 to 36500 (got "-5")',
			'"anonymize_days" must be a whole number from 1 to 36500 (got "soon")',
			'"archive" must be archive, files or none (got "tape")',
			'"erase_user" is required for the erase task',
			'"since" must be an ISO date (got "yesterday").',
		]);
		expect(maintenanceOptionProblems({ tasks: ['erase'], erase_user: 'robert' })).toEqual([
			'"erase_user" must be a user id (a UUID), got "robert"',
		]);
	});
});

describe('archive partitions', () => {
	it('names a month partition and finds the archive horizon at a month start', () => {
		expect(partitionName('activity_analytics_archive_activity', new Date(Date.UTC(2026, 0, 1)))).toBe(
			'activity_analytics_archive_activity_y2026m01',
		);
		expect(new Date(archiveCutoff(Date.parse('2026-11-27T10:00:00Z'), 24) * 1000).toISOString()).toBe(
			'2024-11-01T00:00:00.000Z',
		);
		expect(new Date(archiveCutoff(Date.parse('2026-01-15T00:00:00Z'), 1) * 1000).toISOString()).toBe(
			'2025-12-01T00:00:00.000Z',
		);
	});
});

describe('retentionLagRefusal (the operation, the schedule and the CLI all check it)', () => {
	const days = (n: number) => n * 86_400;

	it('lets retention run while the last refresh is more recent than the window it keeps', () => {
		expect(retentionLagRefusal({ lagRows: 500, stalenessSeconds: 60 }, days(90))).toBeNull();
		expect(retentionLagRefusal({ lagRows: 500, stalenessSeconds: days(90) }, days(90))).toBeNull();
	});

	it('ignores back-dated rows: nothing waits, or the rollups were never refreshed (everything is kept anyway)', () => {
		expect(retentionLagRefusal({ lagRows: 0, stalenessSeconds: days(400) }, days(90))).toBeNull();
		expect(retentionLagRefusal({ lagRows: 7, stalenessSeconds: null }, days(90))).toBeNull();
	});

	it('refuses when rows wait on a refresh that stopped longer ago than the window, with both figures named', () => {
		expect(retentionLagRefusal({ lagRows: 12, stalenessSeconds: days(120) }, days(90))).toBe(
			'The rollups were last refreshed 120 day(s) ago, longer than the 90 day(s) this retention keeps, and 12 row(s) wait for them: refresh the rollups first.',
		);
		// A cutoff in the future keeps nothing: any waiting row stops it.
		expect(retentionLagRefusal({ lagRows: 1, stalenessSeconds: 30 }, -7_200)).toMatch(
			/^The rollups were last refreshed 0 day\(s\) ago, longer than the 0 day\(s\)/,
		);
	});
});
