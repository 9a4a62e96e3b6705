import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { createItemCollection } from '../../scripts/demo-data/demo-schema.mjs';
import { DEMO_ADMIN, dropDatabase, hostDir, nodeEnv, openDatabase, startHost, stopHost } from '../../scripts/host.mjs';
import { postgresHostEnv } from '../support/pg-env';
import { percentile, startWriteLoad } from '../support/write-load';

// Retention over 1M rows, hard-killed half way, then run again: archive plus live must equal the original.
const HOST = 'fault-retention';
const env = postgresHostEnv(`aa_fault_retention_${process.pid}_${Date.now().toString(36)}`, {
	ACTIVITY_ANALYTICS_REFRESH_CRON: 'off',
	LOG_LEVEL: 'error',
});
let db: Knex;
let hostEnv: Record<string, string>;

function retention(args: string[]) {
	return spawn(
		process.execPath,
		[join(hostDir, 'node_modules', 'directus', 'cli.js'), 'analytics', 'retention', ...args],
		{ env: { ...nodeEnv(), ...hostEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
	);
}

async function refreshAll(url: string): Promise<void> {
	for (;;) {
		const response = await fetch(`${url}/analytics/refresh`, {
			method: 'POST',
			headers: { authorization: `Bearer ${DEMO_ADMIN.token}` },
		});
		const { data } = (await response.json()) as { data: { rows: number } };
		if (data.rows === 0) return;
	}
}

beforeAll(async () => {
	const host = await startHost({ name: HOST, port: 18161, env });
	hostEnv = host.env;
	db = openDatabase(host.env) as Knex;
	await loadActivity(
		db,
		parseGeneratorOptions({ rows: 1_000_000, days: 60, seed: 3, end: '2021-03-01T00:00:00Z', revisions: true }),
	);
	await refreshAll(host.url);
	await stopHost(HOST);
}, 600_000);

afterAll(async () => {
	await db?.destroy();
	await stopHost(HOST);
	if (process.env['KEEP_TEST_DATABASES'] !== '1') await dropDatabase(env);
});

describe('retention under a hard kill', () => {
	it('SIGKILL in the middle of retention over 1M rows, then a second run: nothing lost, nothing doubled', async () => {
		const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0]?.['n']);
		const activityBefore = await count('directus_activity');
		const revisionsBefore = await count('directus_revisions');
		const sumBefore = Number((await db('directus_activity').sum({ s: 'id' }))[0]?.['s']);
		// Keep 20 of the 60 days: about two thirds of the rows go.
		const keepDays = String(Math.ceil((Date.now() - Date.parse('2021-02-09T00:00:00Z')) / 86_400_000));

		const first = retention(['--days', keepDays, '--batch-size', '5000', '--archive-months', '0']);
		const firstExit = new Promise((resolve) => first.once('exit', resolve));
		// Kill once some batches have committed, well before the end.
		const deadline = Date.now() + 120_000;
		while ((await count('activity_analytics_archive_activity')) < 100_000 && Date.now() < deadline) await sleep(200);
		first.kill('SIGKILL');
		await firstExit;
		const archivedAtKill = await count('activity_analytics_archive_activity');
		expect(archivedAtKill).toBeGreaterThanOrEqual(100_000);
		// Every committed batch is whole: what the archive holds is exactly what left the live table.
		expect(archivedAtKill + (await count('directus_activity'))).toBe(activityBefore);

		const second = retention(['--days', keepDays, '--batch-size', '5000', '--archive-months', '0']);
		let out = '';
		second.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		const code = await new Promise((resolve) => second.once('exit', resolve));
		expect(code).toBe(0);
		const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { activityDeleted: number };
		expect(report.activityDeleted).toBeGreaterThan(0);

		const archived = await count('activity_analytics_archive_activity');
		const live = await count('directus_activity');
		expect(archived + live).toBe(activityBefore);
		expect(archived).toBeGreaterThan(activityBefore / 2);
		expect((await count('activity_analytics_archive_revisions')) + (await count('directus_revisions'))).toBe(
			revisionsBefore,
		);
		// Same ids, each in exactly one place.
		const sumAfter =
			Number((await db('directus_activity').sum({ s: 'id' }))[0]?.['s']) +
			Number((await db('activity_analytics_archive_activity').sum({ s: 'id' }))[0]?.['s']);
		expect(sumAfter).toBe(sumBefore);
		const [overlap] = (
			await db.raw(
				'select count(*) as n from directus_activity a join activity_analytics_archive_activity r on r.id = a.id',
			)
		).rows as { n: string }[];
		expect(Number(overlap?.n)).toBe(0);
	});
});

describe('retention beside 50 concurrent writers', () => {
	it('every item write succeeds while retention archives ~270k rows; p99 reported against no retention', async () => {
		// Directus's pressure limiter answers 503 when 50 clients saturate two cores, retention or not.
		const host = await startHost({
			name: HOST,
			port: 18161,
			env: { ...env, PRESSURE_LIMITER_ENABLED: 'false' },
			bootstrapFirst: false,
		});
		await createItemCollection(host.url, DEMO_ADMIN.token, 'retention_writes');
		const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0]?.['n']);
		const archivedBefore = await count('activity_analytics_archive_activity');

		const load = startWriteLoad(host.url, DEMO_ADMIN.token, 'retention_writes', 50);
		await sleep(2_000);
		const quietFrom = Date.now();
		await sleep(10_000);
		const quietTo = Date.now();
		const keepDays = String(Math.ceil((Date.now() - Date.parse('2021-02-25T00:00:00Z')) / 86_400_000));
		const run = retention(['--days', keepDays, '--batch-size', '5000', '--archive-months', '0']);
		let out = '';
		run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		const busyFrom = Date.now();
		const code = await new Promise((resolve) => run.once('exit', resolve));
		const busyTo = Date.now();
		await load.stop();

		expect(code).toBe(0);
		const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
			activityDeleted: number;
			durationMs: number;
			cutoff: string;
		};
		expect(report.activityDeleted).toBeGreaterThan(200_000);
		expect((await count('activity_analytics_archive_activity')) - archivedBefore).toBe(report.activityDeleted);
		expect(
			Number(
				(await db('directus_activity').where('timestamp', '<', new Date(report.cutoff)).count({ n: '*' }))[0]?.['n'],
			),
		).toBe(0);
		expect(load.failureReasons).toEqual({});
		// Every acknowledged write is there, once.
		const stored = ((await db('retention_writes').pluck('id')) as number[]).map(Number).sort((a, b) => a - b);
		expect(stored).toEqual([...load.acked].sort((a, b) => a - b));
		const quiet = {
			p50: percentile(load.latencies, 50, quietFrom, quietTo),
			p99: percentile(load.latencies, 99, quietFrom, quietTo),
		};
		const busy = {
			p50: percentile(load.latencies, 50, busyFrom, busyTo),
			p99: percentile(load.latencies, 99, busyFrom, busyTo),
		};
		expect(load.latencies.filter((l) => l.at >= busyFrom && l.at < busyTo).length).toBeGreaterThan(100);
		process.stdout.write(
			`[retention beside 50 writers] ${report.activityDeleted} rows archived in ${report.durationMs} ms; writes ${load.acked.length}, failures ${load.failures}; ` +
				`p50/p99 without retention ${quiet.p50.toFixed(0)}/${quiet.p99.toFixed(0)} ms, during ${busy.p50.toFixed(0)}/${busy.p99.toFixed(0)} ms\n`,
		);
		await stopHost(HOST);
	});
});
