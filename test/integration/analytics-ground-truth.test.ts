import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseGeneratorOptions } from '../../scripts/demo-data/activity-model.mjs';
import { loadActivity } from '../../scripts/demo-data/write-activity.mjs';
import { api, apiOk } from '../support/api';
import { openHostDatabase } from '../support/database';
import {
	apiBucketLabel,
	localBucketLabel,
	rawRows,
	truthBreakdown,
	truthOverview,
	type Filters,
} from '../support/ground-truth';

// Every figure the routes return is compared with SQL (or Intl-based JS) over the raw table. The rollups
// hold the first 20k rows; 3k more arrive after the refresh, so answers mix rollups and the raw tail.

let db: Knex;
const END = '2026-11-10T00:00:00Z';
const epoch = (iso: string) => Date.parse(iso) / 1000;

beforeAll(async () => {
	db = openHostDatabase();
	await loadActivity(db, parseGeneratorOptions({ rows: 20_000, days: 120, seed: 99, end: END }));
	const refreshed = await apiOk<{ data: { rows: number } }>('/analytics/refresh', { method: 'POST' });
	expect(refreshed.data.rows).toBeGreaterThanOrEqual(20_000);
	await loadActivity(db, parseGeneratorOptions({ rows: 10_000, days: 40, seed: 100, end: END }));
});

afterAll(async () => {
	await db.destroy();
});

function qs(params: Record<string, string | undefined>): string {
	return new URLSearchParams(
		Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
	).toString();
}

const topUser = async () => {
	const users = await truthBreakdown(db, 'user', 0, epoch(END));
	return [...users.entries()].filter(([k]) => k).sort((a, b) => b[1].events - a[1].events)[0]![0]!;
};

interface OverviewAnswer {
	from: string;
	to: string;
	current: { events: number; users: number; ips: number; actions: Record<string, number> };
	previous: { events: number; users: number; ips: number; actions: Record<string, number> };
}

describe(`analytics equal SQL over the raw table on ${inject('host').env['DB_CLIENT']}`, () => {
	const windows: { name: string; params: Record<string, string>; from: string; to: string }[] = [
		{
			name: 'UTC, whole days',
			params: { from: '2026-08-01T00:00:00Z', to: '2026-11-01T00:00:00Z' },
			from: '2026-08-01T00:00:00Z',
			to: '2026-11-01T00:00:00Z',
		},
		{
			name: 'odd edges to the second',
			params: { from: '2026-09-03T10:07:13Z', to: '2026-10-28T17:44:59Z' },
			from: '2026-09-03T10:07:13Z',
			to: '2026-10-28T17:44:59Z',
		},
		{
			name: 'Europe/Berlin across the DST end',
			params: { from: '2026-10-20', to: '2026-10-30', tz: 'Europe/Berlin' },
			from: '2026-10-19T22:00:00Z',
			to: '2026-10-29T23:00:00Z',
		},
		{
			name: 'Asia/Kathmandu (+05:45)',
			params: { from: '2026-10-01', to: '2026-10-15', tz: 'Asia/Kathmandu' },
			from: '2026-09-30T18:15:00Z',
			to: '2026-10-14T18:15:00Z',
		},
		{
			name: 'America/St_Johns (-02:30 / -03:30)',
			params: { from: '2026-10-28T06:00', to: '2026-11-03T18:30', tz: 'America/St_Johns' },
			from: '2026-10-28T08:30:00Z',
			to: '2026-11-03T22:00:00Z',
		},
		{
			name: 'Australia/Lord_Howe (half-hour DST)',
			params: { from: '2026-09-30', to: '2026-10-10', tz: 'Australia/Lord_Howe' },
			from: '2026-09-29T13:30:00Z',
			to: '2026-10-09T13:00:00Z',
		},
	];

	for (const window of windows) {
		it(`overview: ${window.name}`, async () => {
			const { data } = await apiOk<{ data: OverviewAnswer }>(`/analytics/overview?${qs(window.params)}`);
			expect(data.from).toBe(new Date(window.from).toISOString());
			expect(data.to).toBe(new Date(window.to).toISOString());
			const from = epoch(window.from);
			const to = epoch(window.to);
			expect(data.current).toEqual(await truthOverview(db, from, to));
			expect(data.previous).toMatchObject(await truthOverview(db, from - (to - from), from));
		});
	}

	it('overview with filters on collection, action, user and origin', async () => {
		const user = await topUser();
		const cases: Filters[] = [
			{ collection: ['orders', 'articles'], action: ['update'] },
			{ user: [user] },
			{ origin: ['http://localhost:8055'], action: ['create', 'delete'] },
			{ collection: ['directus_users'], user: [user] },
		];
		for (const filters of cases) {
			const params = {
				from: '2026-09-01T00:00:00Z',
				to: '2026-11-05T12:30:00Z',
				...Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, v!.join(',')])),
			};
			const { data } = await apiOk<{ data: OverviewAnswer }>(`/analytics/overview?${qs(params)}`);
			const from = epoch(params.from);
			const to = epoch(params.to);
			expect(data.current, JSON.stringify(filters)).toEqual(await truthOverview(db, from, to, filters));
			// Both windows come from the same statements, told apart by time: the previous one is checked too.
			expect(data.previous, JSON.stringify(filters)).toMatchObject(
				await truthOverview(db, from - (to - from), from, filters),
			);
		}
	});

	const series: { tz: string; interval: 'hour' | 'day' | 'week' | 'month'; from: string; to: string }[] = [
		{ tz: 'Europe/Berlin', interval: 'hour', from: '2026-10-24', to: '2026-10-27' },
		{ tz: 'America/New_York', interval: 'hour', from: '2026-10-31T20:00', to: '2026-11-02T04:00' },
		{ tz: 'Asia/Kathmandu', interval: 'day', from: '2026-10-01', to: '2026-11-01' },
		{ tz: 'Australia/Lord_Howe', interval: 'day', from: '2026-09-25', to: '2026-10-12' },
		{ tz: 'UTC', interval: 'week', from: '2026-08-03', to: '2026-11-02' },
		{ tz: 'America/St_Johns', interval: 'month', from: '2026-07-15', to: '2026-11-09' },
	];
	for (const s of series) {
		it(`timeseries by ${s.interval} in ${s.tz}: every bucket, zero-filled`, async () => {
			const { data } = await apiOk<{
				data: { points: { bucket: string; from: string; to: string; events: number; users: number }[] };
			}>(`/analytics/timeseries?${qs({ from: s.from, to: s.to, tz: s.tz, interval: s.interval })}`);
			const from = Date.parse(data.points[0]!.from) / 1000;
			const to = Date.parse(data.points.at(-1)!.to) / 1000;
			const truth = new Map<string, { events: number; users: Set<string> }>();
			for (const row of await rawRows(db, from, to)) {
				const label = localBucketLabel(row.epoch, s.tz, s.interval);
				const bucket = truth.get(label) ?? { events: 0, users: new Set<string>() };
				bucket.events++;
				if (row.user) bucket.users.add(row.user);
				truth.set(label, bucket);
			}
			const labels = data.points.map((p) => apiBucketLabel(p.bucket, s.interval));
			expect(new Set(labels).size).toBe(labels.length);
			for (const label of truth.keys()) expect(labels).toContain(label);
			for (const point of data.points) {
				const expected = truth.get(apiBucketLabel(point.bucket, s.interval));
				expect({ bucket: point.bucket, events: point.events, users: point.users }).toEqual({
					bucket: point.bucket,
					events: expected?.events ?? 0,
					users: expected?.users.size ?? 0,
				});
			}
			// Contiguous buckets covering exactly the window.
			for (let i = 1; i < data.points.length; i++) expect(data.points[i]!.from).toBe(data.points[i - 1]!.to);
		});
	}

	it('timeseries counts 25 hours on the day Europe/Berlin leaves summer time', async () => {
		const { data } = await apiOk<{ data: { points: unknown[] } }>(
			`/analytics/timeseries?${qs({ from: '2026-10-25', to: '2026-10-26', tz: 'Europe/Berlin', interval: 'hour' })}`,
		);
		expect(data.points).toHaveLength(25);
	});

	for (const by of ['collection', 'action', 'user', 'ip', 'origin'] as const) {
		for (const sort of ['events', 'users', 'ips'] as const) {
			it(`breakdown by ${by}, sorted by ${sort}`, async () => {
				// Ends inside hours: whole quarter hours, and raw minutes, at both ends.
				const from = '2026-08-15T05:22:00Z';
				const to = '2026-11-06T23:41:00Z';
				const { data } = await apiOk<{
					data: { rows: { key: string | null; events: number; users: number; ips: number }[] };
				}>(`/analytics/breakdown?${qs({ from, to, by, sort, limit: '10' })}`);
				const truth = await truthBreakdown(db, by, epoch(from), epoch(to));
				expect(data.rows.length).toBe(Math.min(10, truth.size));
				for (const row of data.rows) expect(row, String(row.key)).toEqual({ key: row.key, ...truth.get(row.key) });
				const values = data.rows.map((r) => r[sort]);
				expect(values).toEqual([...values].sort((a, b) => b - a));
				const all = [...truth.values()].map((v) => v[sort]).sort((a, b) => b - a);
				expect(values).toEqual(all.slice(0, values.length));
			});
		}
	}

	// Whole days, and ends inside hours (raw edges); windows of one rollup bucket (1h, the fast path), of many
	// (1d over open hours), and finer than any bucket (15m, raw rows only). The raw tail feeds some hours.
	const suspiciousCases = [
		{ from: '2026-10-01T00:00:00Z', to: '2026-11-09T00:00:00Z', window: '1h', seconds: 3_600 },
		{ from: '2026-10-01T05:22:00Z', to: '2026-11-08T23:41:00Z', window: '1h', seconds: 3_600 },
		{ from: '2026-10-01T05:22:00Z', to: '2026-11-08T23:41:00Z', window: '1d', seconds: 86_400 },
		{ from: '2026-11-01T05:22:00Z', to: '2026-11-08T23:41:00Z', window: '15m', seconds: 900 },
	] as const;
	for (const c of suspiciousCases) {
		it(`suspicious actors by ip and by user match ${c.window} counts over the raw rows, ${c.from} to ${c.to}`, async () => {
			const rows = await rawRows(db, epoch(c.from), epoch(c.to));
			for (const by of ['ip', 'user'] as const) {
				const windows = new Map<string, Map<number, number>>();
				for (const row of rows) {
					const actor = row[by];
					if (!actor) continue;
					const perWindow = windows.get(actor) ?? new Map<number, number>();
					const w = Math.floor(row.epoch / c.seconds);
					perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
					windows.set(actor, perWindow);
				}
				// About ten actors over the threshold, most under it.
				const peaks = [...windows.values()].map((perWindow) => Math.max(...perWindow.values())).sort((a, b) => b - a);
				const threshold = Math.max(1, peaks[Math.min(9, peaks.length - 1)]! - 1);
				const expected = [...windows.entries()]
					.map(([actor, perWindow]) => ({
						actor,
						peak: Math.max(...perWindow.values()),
						over: [...perWindow.values()].filter((n) => n > threshold).length,
					}))
					.filter((a) => a.over > 0)
					.sort((a, b) => b.peak - a.peak || (a.actor < b.actor ? -1 : 1))
					.slice(0, 100);
				const { data } = await apiOk<{
					data: {
						actors: {
							actor: string;
							peak: number;
							windowsOver: number;
							events: number;
							firstSeen: string;
							lastSeen: string;
						}[];
					};
				}>(
					`/analytics/suspicious?${qs({ from: c.from, to: c.to, by, window: c.window, threshold: String(threshold), limit: '100' })}`,
				);
				expect(expected.length).toBeGreaterThan(0);
				expect(expected.length).toBeLessThan(windows.size);
				expect(data.actors.map((a) => [a.actor, a.peak, a.windowsOver])).toEqual(
					expected.map((a) => [a.actor, a.peak, a.over]),
				);
				for (const actor of data.actors) {
					const own = rows.filter((r) => r[by] === actor.actor);
					expect(actor.events).toBe(own.length);
					expect(Date.parse(actor.firstSeen) / 1000).toBe(Math.min(...own.map((r) => r.epoch)));
					expect(Date.parse(actor.lastSeen) / 1000).toBe(Math.max(...own.map((r) => r.epoch)));
				}
			}
		});
	}

	it('trending ranks collections by growth against the previous window', async () => {
		const from = '2026-10-10T00:00:00Z';
		const to = '2026-11-09T00:00:00Z';
		const length = epoch(to) - epoch(from);
		const current = await truthBreakdown(db, 'collection', epoch(from), epoch(to));
		const previous = await truthBreakdown(db, 'collection', epoch(from) - length, epoch(from));
		const { data } = await apiOk<{
			data: { rows: { collection: string; events: number; previous: number; growth: number | null }[] };
		}>(`/analytics/trending?${qs({ from, to, limit: '100' })}`);
		expect(data.rows.length).toBe(new Set([...current.keys(), ...previous.keys()]).size);
		for (const row of data.rows) {
			expect(row.events).toBe(current.get(row.collection)?.events ?? 0);
			expect(row.previous).toBe(previous.get(row.collection)?.events ?? 0);
		}
		const scores = data.rows.map((r) => (r.events - r.previous) / Math.max(r.previous, 1));
		expect(scores).toEqual([...scores].sort((a, b) => b - a));
	});

	it('timeline pages through every event by cursor, newest first, none skipped or repeated', async () => {
		const from = '2026-10-20T00:00:00Z';
		const to = '2026-10-27T00:00:00Z';
		const expected = (await rawRows(db, epoch(from), epoch(to), { collection: ['orders'] })).map((r) => r.id).reverse();
		const seen: number[] = [];
		let cursor: string | null = null;
		for (let page = 0; page < 200; page++) {
			const response: { data: { events: { id: number; collection: string }[]; next: string | null } } = await apiOk(
				`/analytics/timeline?${qs({ from, to, collection: 'orders', limit: '37', cursor: cursor ?? undefined })}`,
			);
			seen.push(...response.data.events.map((e) => e.id));
			expect(response.data.events.every((e) => e.collection === 'orders')).toBe(true);
			cursor = response.data.next;
			if (!cursor) break;
		}
		expect(seen).toEqual(expected);
	});

	it('exports the window as NDJSON and CSV, every row once', async () => {
		const from = '2026-10-01T00:00:00Z';
		const to = '2026-10-12T00:00:00Z';
		const expected = (await rawRows(db, epoch(from), epoch(to))).map((r) => r.id);
		const ndjson = await api<string>(`/analytics/export?${qs({ from, to, format: 'ndjson' })}`);
		expect(ndjson.status).toBe(200);
		const lines = String(ndjson.body)
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l) as { id: number });
		expect(lines.map((l) => l.id)).toEqual(expected);
		const csv = await api<string>(`/analytics/export?${qs({ from, to, format: 'csv' })}`);
		const csvLines = String(csv.body).trim().split('\n');
		expect(csvLines[0]).toBe('id,action,user,timestamp,ip,user_agent,origin,collection,item');
		expect(csvLines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(expected);
	});

	for (const format of ['ndjson', 'csv'] as const) {
		it(`exports ${format} gzip-compressed page after page without piling up drain listeners`, async () => {
			const from = '2026-07-01T00:00:00Z';
			const expected = (await rawRows(db, epoch(from), epoch(END))).map((r) => r.id);
			// Pages of 2,000 rows: enough waits for the socket to drain to pass Node's limit of 10 listeners.
			expect(expected.length).toBeGreaterThan(25_000);
			const { url, token, logFile } = inject('host');
			const logBefore = statSync(logFile).size;
			const response = await fetch(`${url}/analytics/export?${qs({ from, to: END, format })}`, {
				headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' },
			});
			expect(response.status).toBe(200);
			expect(response.headers.get('content-encoding')).toBe('gzip');
			// fetch decompresses; a client that reads the bytes itself gets gzip.
			const raw = Buffer.from(await response.arrayBuffer());
			const lines = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8').trim().split('\n');
			const ids =
				format === 'ndjson'
					? lines.map((l) => (JSON.parse(l) as { id: number }).id)
					: lines.slice(1).map((l) => Number(l.split(',')[0]));
			expect(ids).toEqual(expected);
			expect(readFileSync(logFile).subarray(logBefore).toString('utf8')).not.toMatch(/MaxListenersExceededWarning/);
		});
	}
});
