import { gunzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { api, apiData, apiOk } from '../support/api';
import { openHostDatabase, toEpochMs } from '../support/database';
import { dialectName, truthBreakdown, truthOverview } from '../support/ground-truth';
import { runHostCli } from '../support/host-cli';
import { eraseUser } from '../../src/server/privacy/erase-user';
import { memberSetDifferences } from '../support/member-sets';

// Three datasets in years no other suite uses: 2017 goes to NDJSON.gz files, 2018 to the archive tables,
// 2019 stays live for anonymization and erasure.
const YEARS = [2017, 2018, 2019] as const;
const windowOf = (year: number) => ({
	from: Date.parse(`${year}-05-01T00:00:00Z`) / 1000,
	to: Date.parse(`${year}-06-02T00:00:00Z`) / 1000,
});
const qs = (year: number, extra: Record<string, string> = {}) =>
	new URLSearchParams({ from: `${year}-05-01T00:00:00Z`, to: `${year}-06-02T00:00:00Z`, ...extra }).toString();
// --days that puts retention's cutoff just before `iso`.
const keepDaysUntil = (iso: string) => Math.ceil((Date.now() - Date.parse(iso)) / 86_400_000);
const ARCHIVE = 'activity_analytics_archive_activity';
const ARCHIVE_REVISIONS = 'activity_analytics_archive_revisions';
const ARCHIVE_FILES = 'activity_analytics_archive_files';
// Anonymized, judged without the code under test: IPv4 ending in .0, IPv6 with nothing after its /64.
const ANONYMIZED = /^(\d+\.\d+\.\d+\.0|[0-9a-f]+:[0-9a-f]+:[0-9a-f]+:[0-9a-f]+::|::ffff:\d+\.\d+\.\d+\.0)$/;

let db: Knex;
const idsOf = async (table: string, where: (q: Knex.QueryBuilder) => Knex.QueryBuilder = (q) => q) =>
	((await where(db(table)).pluck('id')) as (number | string)[]).map(Number).sort((a, b) => a - b);
const yearIds = async (table: string, year: number) =>
	((await db(table).select('id', 'timestamp')) as { id: number; timestamp: unknown }[])
		.filter((r) => new Date(toEpochMs(r.timestamp)).getUTCFullYear() === year)
		.map((r) => Number(r.id))
		.sort((a, b) => a - b);

async function refreshAll(): Promise<void> {
	for (;;) {
		const result = await apiData<{ rows: number }>('/analytics/refresh', { method: 'POST' });
		if (result.rows === 0) return;
	}
}

interface ArchiveLine {
	table: string;
	row: { id: number; user: string | null; activity?: number; ip?: string | null };
}

async function readArchiveFile(id: string): Promise<ArchiveLine[]> {
	const host = inject('host');
	const response = await fetch(`${host.url}/assets/${id}`, { headers: { authorization: `Bearer ${host.token}` } });
	expect(response.status).toBe(200);
	return gunzipSync(Buffer.from(await response.arrayBuffer()))
		.toString('utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line) as ArchiveLine);
}

async function filesInArchiveFolder(): Promise<string[]> {
	const folder = await db('directus_folders').where({ name: 'Activity archive' }).whereNull('parent').first('id');
	return folder
		? ((await db('directus_files').where({ folder: folder.id }).pluck('id')) as string[]).map(String).sort()
		: [];
}

async function breakdownKeys(year: number, by: string): Promise<(string | null)[]> {
	const { data } = await apiOk<{ data: { rows: { key: string | null }[] } }>(
		`/analytics/breakdown?${qs(year, { by, limit: '100' })}`,
	);
	return data.rows.map((r) => r.key);
}

beforeAll(async () => {
	db = openHostDatabase();
	await apiData('/analytics/status');
	for (const [i, year] of YEARS.entries()) {
		await loadActivity(
			db,
			parseGeneratorOptions({ rows: 10_000, days: 20, seed: 70 + i, end: `${year}-06-01T00:00:00Z`, revisions: true }),
		);
	}
	await refreshAll();
});

// The expired 2017 and 2018 rows are gone from every raw table but stay in the rollups, by design. Later
// suites compare the rollups with directus_activity, so rebuild them from what is left.
afterAll(async () => {
	const rebuilt = runHostCli(['analytics', 'backfill']);
	await db.destroy();
	expect(rebuilt.status, rebuilt.stderr).toBe(0);
});

describe('retention into NDJSON.gz files (Directus storage)', () => {
	it('writes each batch to a file in the "Activity archive" folder, records it with the delete, and removes orphans', async () => {
		const old = await yearIds('directus_activity', 2017);
		const revisions = await idsOf('directus_revisions', (q) => q.whereIn('activity', old));
		expect(old.length).toBe(10_000);
		// A file a crashed run saved but never recorded.
		const folder = await apiData<{ id: string }>('/folders', { method: 'POST', body: { name: 'Activity archive' } });
		const form = new FormData();
		form.append('folder', folder.id);
		form.append('file', new Blob(['stray']), 'activity-orphan.ndjson.gz');
		const host = inject('host');
		const upload = await fetch(`${host.url}/files`, {
			method: 'POST',
			headers: { authorization: `Bearer ${host.token}` },
			body: form,
		});
		expect(upload.status).toBe(200);
		const orphan = ((await upload.json()) as { data: { id: string } }).data.id;

		const run = runHostCli([
			'analytics',
			'retention',
			'--days',
			String(keepDaysUntil('2018-01-01')),
			'--archive',
			'files',
			'--archive-months',
			'0',
			'--batch-size',
			'4000',
		]);
		expect(run.status, run.stderr).toBe(0);
		const report = JSON.parse(run.last) as {
			activityDeleted: number;
			activityArchived: number;
			revisionsArchived: number;
			archiveFiles: string[];
			orphanFilesRemoved: number;
		};
		expect(report).toMatchObject({
			activityDeleted: 10_000,
			activityArchived: 10_000,
			revisionsArchived: revisions.length,
			orphanFilesRemoved: 1,
		});
		expect(report.archiveFiles).toHaveLength(3);

		const files = await filesInArchiveFolder();
		expect(files).toEqual([...report.archiveFiles].sort());
		expect(files).not.toContain(orphan);
		expect(((await db(ARCHIVE_FILES).pluck('file')) as string[]).sort()).toEqual(files);
		// Files plus live equal the original: every row once.
		const lines = (await Promise.all(files.map(readArchiveFile))).flat();
		expect(
			lines
				.filter((l) => l.table === 'directus_activity')
				.map((l) => Number(l.row.id))
				.sort((a, b) => a - b),
		).toEqual(old);
		expect(
			lines
				.filter((l) => l.table === 'directus_revisions')
				.map((l) => Number(l.row.id))
				.sort((a, b) => a - b),
		).toEqual(revisions);
		expect(await yearIds('directus_activity', 2017)).toEqual([]);
		expect(await idsOf('directus_revisions', (q) => q.whereIn('id', revisions))).toEqual([]);
	});
});

describe('retention into the archive tables', () => {
	it('archives 2018 into its month (a partition on PostgreSQL), revisions with their activity timestamp', async () => {
		const old = await yearIds('directus_activity', 2018);
		const revisions = await idsOf('directus_revisions', (q) => q.whereIn('activity', old));
		const run = runHostCli([
			'analytics',
			'retention',
			'--days',
			String(keepDaysUntil('2019-01-01')),
			'--archive-months',
			'0',
		]);
		expect(run.status, run.stderr).toBe(0);
		expect(JSON.parse(run.last)).toMatchObject({
			mode: 'archive',
			activityArchived: 10_000,
			revisionsArchived: revisions.length,
		});
		expect(await idsOf(ARCHIVE, (q) => q.whereIn('id', old))).toEqual(old);
		expect(await idsOf(ARCHIVE_REVISIONS, (q) => q.whereIn('id', revisions))).toEqual(revisions);
		const mismatched = await db(ARCHIVE_REVISIONS)
			.join(ARCHIVE, `${ARCHIVE}.id`, `${ARCHIVE_REVISIONS}.activity`)
			.whereRaw(`${ARCHIVE_REVISIONS}.timestamp <> ${ARCHIVE}.timestamp`)
			.count({ n: '*' });
		expect(Number(mismatched[0]?.['n'])).toBe(0);
		if (dialectName(db) === 'pg') {
			const may = (await db.raw(`select count(*)::int as n from activity_analytics_archive_activity_y2018m05`)).rows[0]
				.n as number;
			const mayIds = ((await db(ARCHIVE).whereIn('id', old).select('timestamp')) as { timestamp: Date }[]).filter(
				(r) => r.timestamp.getUTCMonth() === 4,
			).length;
			expect(may).toBe(mayIds);
			const parents = (
				await db.raw(
					`select count(*)::int as n from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relname = 'activity_analytics_archive_revisions_y2018m05'`,
				)
			).rows[0].n as number;
			expect(parents).toBe(1);
		}
	});

	it('a backfill rebuilds the rollups from the live table and the archive', async () => {
		const archived = Number((await db(ARCHIVE).count({ n: '*' }))[0]?.['n']);
		const run = runHostCli(['analytics', 'backfill', '--batch-size', '20000']);
		expect(run.status, run.stderr).toBe(0);
		expect(run.stderr).toMatch(/backfill .*100%/);
		expect(JSON.parse(run.last)).toMatchObject({ archivedRows: archived });
		await api('/analytics/cache', { method: 'DELETE' });
		for (const [year, table] of [
			[2018, ARCHIVE],
			[2019, 'directus_activity'],
		] as const) {
			const { from, to } = windowOf(year);
			const { data } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${qs(year)}`);
			expect(data.current, String(year)).toEqual(await truthOverview(db, from, to, {}, table));
		}
	});

	it('keeps answering the archived year from the rollups, equal to SQL over the archive', async () => {
		const { from, to } = windowOf(2018);
		const { data } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${qs(2018)}`);
		expect(data.current).toEqual(await truthOverview(db, from, to, {}, ARCHIVE));
	});
});

describe('anonymize', () => {
	const cutoffIso = '2019-05-25T00:00:00Z';
	// Worked out just before each run: a value from when the file loaded is a day off once UTC midnight passes.
	const days = () => Math.floor(Date.now() / 86_400_000) - Date.parse(cutoffIso) / 86_400_000;

	it('truncates every IP before the cutoff in activity, archive, failed logins and rollups; leaves later ones', async () => {
		await db('activity_analytics_failed_logins').insert({
			at: Date.parse('2019-05-10T10:00:00Z'),
			ip: '198.51.100.77',
			identifier: 'someone@example.com',
		});
		const run = runHostCli(['analytics', 'anonymize', '--days', String(days())]);
		expect(run.status, run.stderr).toBe(0);
		expect(run.stderr).toMatch(/anonymize \(days\) 100%/);
		const report = JSON.parse(run.last) as {
			before: string;
			activityAnonymized: number;
			archiveAnonymized: number;
			failedLoginsAnonymized: number;
			rollupRowsMerged: number;
			filesRewritten: number;
		};
		expect(report.before).toBe(cutoffIso.replace('Z', '.000Z'));
		expect(report.activityAnonymized).toBeGreaterThan(1000);
		expect(report.archiveAnonymized).toBeGreaterThan(1000);
		expect(report.failedLoginsAnonymized).toBeGreaterThanOrEqual(1);
		expect(report.rollupRowsMerged).toBeGreaterThan(0);

		const cutoff = Date.parse(cutoffIso);
		const live = (await db('directus_activity').whereNotNull('ip').select('ip', 'timestamp')) as {
			ip: string;
			timestamp: unknown;
		}[];
		const before = live.filter((r) => toEpochMs(r.timestamp) < cutoff);
		const after = live.filter(
			(r) => toEpochMs(r.timestamp) >= cutoff && new Date(toEpochMs(r.timestamp)).getUTCFullYear() === 2019,
		);
		expect(before.length).toBeGreaterThan(1000);
		expect(before.filter((r) => !ANONYMIZED.test(r.ip))).toEqual([]);
		expect(after.filter((r) => !ANONYMIZED.test(r.ip)).length).toBeGreaterThan(100);
		const archived = (await db(ARCHIVE).whereNotNull('ip').pluck('ip')) as string[];
		expect(archived.filter((ip) => !ANONYMIZED.test(ip))).toEqual([]);
		// The NDJSON.gz archive of 2017 too.
		const files = await filesInArchiveFolder();
		expect(report).toMatchObject({ filesRewritten: files.length });
		const inFiles = (await Promise.all(files.map(readArchiveFile)))
			.flat()
			.filter((l) => l.table === 'directus_activity' && l.row.ip);
		expect(inFiles.length).toBeGreaterThan(5000);
		expect(inFiles.filter((l) => !ANONYMIZED.test(String(l.row.ip)))).toEqual([]);
		expect(
			await db('activity_analytics_failed_logins').where({ identifier: 'someone@example.com' }).pluck('ip'),
		).toEqual(['198.51.100.0']);
		// The member sets were renamed with the rollups; the dictionary keeps no full IP of before the cutoff.
		const members = await memberSetDifferences(db);
		expect(members.checked).toBeGreaterThan(1000);
		expect(members).toMatchObject({ missing: [], extra: [], orphans: [] });
		const later = new Set(live.filter((r) => toEpochMs(r.timestamp) >= cutoff).map((r) => r.ip));
		const dictionary = (await db('activity_analytics_members').where({ kind: 'ip' }).pluck('value')) as string[];
		expect(dictionary.filter((ip) => !ANONYMIZED.test(ip)).length).toBeGreaterThan(100);
		expect(dictionary.filter((ip) => !ANONYMIZED.test(ip) && !later.has(ip))).toEqual([]);
	});

	it('leaves every figure equal to SQL over the raw rows, live and archived', async () => {
		await api('/analytics/cache', { method: 'DELETE' });
		for (const [year, table] of [
			[2019, 'directus_activity'],
			[2018, ARCHIVE],
		] as const) {
			const { from, to } = windowOf(year);
			const { data } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${qs(year)}`);
			expect(data.current, String(year)).toEqual(await truthOverview(db, from, to, {}, table));
			const { data: breakdown } = await apiOk<{
				data: { rows: { key: string | null; events: number; users: number; ips: number }[] };
			}>(`/analytics/breakdown?${qs(year, { by: 'ip', limit: '100' })}`);
			const truth = await truthBreakdown(db, 'ip', from, to, {}, table);
			expect(breakdown.rows.length).toBe(Math.min(100, truth.size));
			for (const row of breakdown.rows)
				expect(row, `${year} ${row.key}`).toEqual({ key: row.key, ...truth.get(row.key) });
		}
	});

	it('a second run with the same cutoff has nothing to do', () => {
		const again = runHostCli(['analytics', 'anonymize', '--days', String(days())]);
		expect(again.status, again.stderr).toBe(0);
		expect(JSON.parse(again.last)).toMatchObject({
			from: null,
			activityAnonymized: 0,
			archiveAnonymized: 0,
			rollupRowsMerged: 0,
		});
	});
});

describe('erase (a Flow operation)', () => {
	let user: string;

	it('erases one user from live rows, the archive, archive files, rollups and the cache', async () => {
		const { from, to } = windowOf(2019);
		const byUser = [...(await truthBreakdown(db, 'user', from, to)).entries()]
			.filter(([key]) => key !== null)
			.sort((a, b) => b[1].events - a[1].events);
		user = byUser[0]![0]!;
		const liveIds = await idsOf('directus_activity', (q) => q.where({ user }));
		const archivedIds = await idsOf(ARCHIVE, (q) => q.where({ user }));
		const inFiles = (await Promise.all((await filesInArchiveFolder()).map(readArchiveFile)))
			.flat()
			.filter((l) => l.table === 'directus_activity' && l.row.user === user).length;
		expect(liveIds.length).toBeGreaterThan(50);
		expect(archivedIds.length).toBeGreaterThan(50);
		expect(inFiles).toBeGreaterThan(50);
		// Cached answers that name the user, before the erasure.
		expect(await breakdownKeys(2019, 'user')).toContain(user);
		const cachedOverview = await api(`/analytics/overview?${qs(2019)}`);
		expect(cachedOverview.status).toBe(200);

		const flow = await apiData<{ id: string }>('/flows', {
			method: 'POST',
			body: {
				name: 'Erasure request',
				status: 'active',
				trigger: 'webhook',
				accountability: null,
				options: { method: 'GET', return: '$last' },
			},
		});
		const operation = await apiData<{ id: string }>('/operations', {
			method: 'POST',
			body: {
				flow: flow.id,
				key: 'erase',
				name: 'Erase',
				type: 'activity-maintenance',
				position_x: 19,
				position_y: 1,
				options: { tasks: ['erase'], erase_user: user, batch_size: 100 },
			},
		});
		await apiData(`/flows/${flow.id}`, { method: 'PATCH', body: { operation: operation.id } });
		const report = await apiOk<{
			erased: number;
			tasks: {
				erase: {
					result: { activityErased: number; archivedActivityErased: number; files: { activityErased: number } };
				};
			};
		}>(`/flows/trigger/${flow.id}`);
		expect(report.tasks.erase.result).toMatchObject({
			activityErased: liveIds.length,
			archivedActivityErased: archivedIds.length,
			files: { activityErased: inFiles },
		});
		expect(report.erased).toBe(liveIds.length + archivedIds.length + inFiles);

		expect(await idsOf('directus_activity', (q) => q.where({ user }))).toEqual([]);
		expect(await idsOf(ARCHIVE, (q) => q.where({ user }))).toEqual([]);
		expect(await idsOf('directus_revisions', (q) => q.whereIn('activity', liveIds))).toEqual([]);
		expect(await idsOf(ARCHIVE_REVISIONS, (q) => q.whereIn('activity', archivedIds))).toEqual([]);
		const lines = (await Promise.all((await filesInArchiveFolder()).map(readArchiveFile))).flat();
		expect(lines.filter((l) => l.row.user === user)).toEqual([]);
		const erasedIds = new Set(lines.filter((l) => l.table === 'directus_activity').map((l) => Number(l.row.id)));
		expect(lines.filter((l) => l.table === 'directus_revisions' && !erasedIds.has(Number(l.row.activity)))).toEqual([]);

		// No answer names the user any more, cached or not, and every figure still equals the raw rows.
		for (const year of YEARS) expect(await breakdownKeys(year, 'user'), String(year)).not.toContain(user);
		const { data } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${qs(2019)}`);
		expect(data.current).toEqual(await truthOverview(db, from, to));
		const members = await memberSetDifferences(db);
		expect(members).toMatchObject({ missing: [], extra: [], orphans: [] });
		expect(await db('activity_analytics_members').where({ kind: 'user', value: user }).first()).toBeUndefined();
		const w18 = windowOf(2018);
		const { data: archived } = await apiOk<{ data: { current: unknown } }>(`/analytics/overview?${qs(2018)}`);
		expect(archived.current).toEqual(await truthOverview(db, w18.from, w18.to, {}, ARCHIVE));
	});

	it('refuses an unknown user and a malformed id, naming them', async () => {
		const unknown = runHostCli(['analytics', 'erase', '00000000-0000-4000-8000-000000000000']);
		expect(unknown.status).toBe(1);
		expect(unknown.stderr).toContain('No user "00000000-0000-4000-8000-000000000000" exists');
		// The same check, in process: the CLI's way of failing is the call above, and a second boot adds only time.
		await expect(eraseUser(db, { user: 'bob', batchSize: 100 })).rejects.toThrow(
			'"erase_user" must be a user id (a UUID), got "bob"',
		);
	});
});

describe('archive expiry', () => {
	it('drops archive older than --archive-months in every store, whatever mode archives now: partitions on PostgreSQL, rows elsewhere, and files', async () => {
		const archived = await idsOf(ARCHIVE, (q) => q.whereRaw('1 = 1'));
		const recordedFiles = (await db(ARCHIVE_FILES).select('activity_rows')) as { activity_rows: number | string }[];
		const fileRows = recordedFiles.reduce((sum, f) => sum + Number(f.activity_rows), 0);
		expect(archived.length).toBeGreaterThan(0);
		expect(recordedFiles.length).toBeGreaterThan(0);
		expect((await filesInArchiveFolder()).length).toBe(recordedFiles.length);
		// Archiving into the tables now: the files written while the mode was "files" expire too.
		const run = runHostCli([
			'analytics',
			'retention',
			'--days',
			String(keepDaysUntil('2019-01-01')),
			'--archive-months',
			'24',
		]);
		expect(run.status, run.stderr).toBe(0);
		const report = JSON.parse(run.last) as {
			activityDeleted: number;
			archiveExpired: { rows: number; files: number; partitions: string[] };
		};
		expect(report.activityDeleted).toBe(0);
		expect(report.archiveExpired.files).toBe(recordedFiles.length);
		expect(report.archiveExpired.rows).toBe(archived.length + fileRows);
		if (dialectName(db) === 'pg')
			expect(report.archiveExpired.partitions).toEqual(
				expect.arrayContaining([
					'activity_analytics_archive_activity_y2018m05',
					'activity_analytics_archive_revisions_y2018m05',
				]),
			);
		expect(await idsOf(ARCHIVE, (q) => q.whereRaw('1 = 1'))).toEqual([]);
		expect(await idsOf(ARCHIVE_REVISIONS, (q) => q.whereRaw('1 = 1'))).toEqual([]);
		expect(await filesInArchiveFolder()).toEqual([]);
		expect(Number((await db(ARCHIVE_FILES).count({ n: '*' }))[0]?.['n'])).toBe(0);
	});

	it('partitions: creates the coming months ahead on PostgreSQL, and says so elsewhere', () => {
		const run = runHostCli(['analytics', 'partitions']);
		expect(run.status, run.stderr).toBe(0);
		const result = JSON.parse(run.last) as { supported: boolean; partitions: string[] };
		if (dialectName(db) !== 'pg') return expect(result.supported).toBe(false);
		const now = new Date();
		const month = (offset: number) => {
			const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
			return `y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
		};
		for (const offset of [0, 1, 2]) {
			expect(result.partitions).toContain(`activity_analytics_archive_activity_${month(offset)}`);
			expect(result.partitions).toContain(`activity_analytics_archive_revisions_${month(offset)}`);
		}
	});
});
