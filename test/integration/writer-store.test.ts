import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeEvent, type ActivityEvent, type EventBatch } from '../../src/server/schema/activity-event';
import { writeWithRetry } from '../../src/server/queue/write-with-retry';
import { createWriterMetrics } from '../../src/server/queue/writer-metrics';
import { writeActivityBatch } from '../../src/server/store/write-activity-batch';
import { LEDGER_KEEP_MS, pruneLedger } from '../../src/server/store/prune-ledger';
import { apiData } from '../support/api';
import { openHostDatabase } from '../support/database';
import { runHostCli } from '../support/host-cli';
import { createTrackedPair, waitForWriterIdle } from '../support/writer';

let db: Knex;
const COLLECTION = 'store_probe';

function event(item: number, extra: Partial<ActivityEvent> = {}): ActivityEvent {
	return {
		key: randomUUID(),
		action: 'update',
		user: null,
		ip: '10.0.0.1',
		user_agent: 'probe',
		origin: null,
		collection: COLLECTION,
		item: String(item),
		at: Date.now(),
		seq: item,
		revision: { data: { n: item }, delta: { n: item }, parentKey: null },
		...extra,
	};
}

async function rowsFor(collection: string) {
	const activity = (await db('directus_activity').where({ collection }).orderBy('id')) as {
		id: number;
		item: string;
	}[];
	const revisions = (await db('directus_revisions').where({ collection }).orderBy('id')) as {
		activity: number;
		item: string;
		parent: number | null;
	}[];
	return { activity, revisions };
}

beforeAll(async () => {
	await apiData('/analytics/status'); // migrations applied
	db = openHostDatabase();
});

afterAll(async () => {
	await db.destroy();
});

describe('batch store', () => {
	it('writes a batch once: a retried batch skips what the ledger holds', async () => {
		const batch = Array.from({ length: 50 }, (_, i) => event(i));
		expect(await writeActivityBatch(db, batch)).toEqual({ written: 50, skipped: 0 });
		const retried = [...batch, event(50)];
		expect(await writeActivityBatch(db, retried)).toEqual({ written: 1, skipped: 50 });
		const { activity, revisions } = await rowsFor(COLLECTION);
		expect(activity).toHaveLength(51);
		// Each revision belongs to the activity row of its own item (ids given back in order on every dialect).
		const itemOf = new Map(activity.map((a) => [Number(a.id), String(a.item)]));
		expect(revisions.map((r) => itemOf.get(Number(r.activity)))).toEqual(revisions.map((r) => String(r.item)));
	});

	it('links a nested revision to its parent, in the same batch or an earlier one', async () => {
		const parent = event(100, { collection: 'store_nested' });
		const child = event(101, {
			collection: 'store_nested',
			revision: { data: { c: 1 }, delta: { c: 1 }, parentKey: parent.key },
		});
		const late = event(102, {
			collection: 'store_nested',
			revision: { data: { c: 2 }, delta: { c: 2 }, parentKey: parent.key },
		});
		await writeActivityBatch(db, [parent, child]);
		await writeActivityBatch(db, [late]);
		const { revisions } = await rowsFor('store_nested');
		const parentId = (await db('directus_revisions').where({ collection: 'store_nested', item: '100' }).first()) as {
			id: number;
		};
		expect(revisions.map((r) => (r.parent === null ? null : Number(r.parent)))).toEqual([
			null,
			Number(parentId.id),
			Number(parentId.id),
		]);
	});

	it('links a nested revision whose batch commits before its parent’s (two instances consuming the stream)', async () => {
		const parent = event(110, { collection: 'store_orphans' });
		const children = [111, 112].map((item) =>
			event(item, {
				collection: 'store_orphans',
				revision: { data: { c: item }, delta: { c: item }, parentKey: parent.key },
			}),
		);
		const withoutRevision = event(113, { collection: 'store_orphans', revision: undefined });
		const unrelated = event(114, {
			collection: 'store_orphans',
			revision: { data: { c: 4 }, delta: { c: 4 }, parentKey: withoutRevision.key },
		});
		await writeActivityBatch(db, [children[0]!]);
		await writeActivityBatch(db, [children[1]!, unrelated]);
		await writeActivityBatch(db, [parent, withoutRevision]);
		const revisions = (await db('directus_revisions').where({ collection: 'store_orphans' }).orderBy('item')) as {
			id: number;
			item: string;
			parent: number | null;
		}[];
		const parentId = Number(revisions.find((r) => r.item === '110')!.id);
		expect(revisions.map((r) => [r.item, r.parent === null ? null : Number(r.parent)])).toEqual([
			['110', null],
			['111', parentId],
			['112', parentId],
			['114', null],
		]);
		// Nothing waits for a parent any more: the ledger keeps no pending links for written parents.
		const waiting = await db('activity_analytics_writer_ledger')
			.whereIn('parent_key', [parent.key, withoutRevision.key])
			.count({ n: '*' });
		expect(Number(waiting[0]?.['n'])).toBe(0);
	});

	it('two writers racing on overlapping batches leave exactly one row per event', async () => {
		const events = Array.from({ length: 400 }, (_, i) => event(1000 + i, { collection: 'store_race' }));
		const metrics = createWriterMetrics();
		const write = (batch: EventBatch) => writeActivityBatch(db, batch);
		// One of them as the Redis consumer hands batches over: JSON texts, with an event twice.
		const encoded = { encoded: [...events.slice(100), events[100]!].map(encodeEvent) };
		await Promise.all([
			writeWithRetry(write, events.slice(0, 300), metrics),
			writeWithRetry(write, encoded, metrics),
			writeWithRetry(write, events.slice(50, 350), metrics),
		]);
		const { activity } = await rowsFor('store_race');
		expect(activity).toHaveLength(400);
		expect(new Set(activity.map((a) => a.item)).size).toBe(400);
		expect(metrics.eventsWritten).toBe(400);
	});
});

describe('ledger pruning', () => {
	it('forgets entries older than the keep period and keeps the recent ones', async () => {
		const now = Date.now();
		const old = Array.from({ length: 30 }, (_, i) => ({
			event_key: randomUUID(),
			activity: 900_000 + i,
			revision: null,
			written_at: now - 8 * 86_400_000,
		}));
		const recent = Array.from({ length: 5 }, (_, i) => ({
			event_key: randomUUID(),
			activity: 910_000 + i,
			revision: null,
			written_at: now - 86_400_000,
		}));
		await db('activity_analytics_writer_ledger').insert([...old, ...recent]);
		expect(await pruneLedger(db, LEDGER_KEEP_MS, now)).toBeGreaterThanOrEqual(30);
		expect(
			Number(
				(
					await db('activity_analytics_writer_ledger')
						.whereIn(
							'event_key',
							old.map((r) => r.event_key),
						)
						.count({ n: '*' })
				)[0]?.['n'],
			),
		).toBe(0);
		expect(
			Number(
				(
					await db('activity_analytics_writer_ledger')
						.whereIn(
							'event_key',
							recent.map((r) => r.event_key),
						)
						.count({ n: '*' })
				)[0]?.['n'],
			),
		).toBe(5);
	});
});

describe('npx directus analytics writer', () => {
	it('names unknown collections and refuses system ones', () => {
		const result = runHostCli(['analytics', 'writer', 'enable', 'no_such_thing', 'directus_files']);
		expect(result.status).toBe(1);
		expect(result.stderr).toContain('unknown collection: no_such_thing');
		expect(result.stderr).toContain('directus_files: system collections keep');
	});

	it.runIf(inject('host').env['REDIS'])(
		'enables from outside: running instances see the swap through the Redis bus',
		async () => {
			await createTrackedPair('cli_swap', 'activity');
			const enabled = runHostCli(['analytics', 'writer', 'enable', 'cli_swap']);
			expect(enabled.status, enabled.stderr).toBe(0);
			expect(JSON.parse(enabled.last)).toMatchObject({
				changed: [{ collection: 'cli_swap', accountability: 'activity' }],
			});
			const before = (await waitForWriterIdle()).eventsWritten;
			await apiData('/items/cli_swap', { method: 'POST', body: { title: 'via the writer' } });
			const after = await waitForWriterIdle();
			expect(after.eventsWritten - before).toBe(1);
			const revisions = await db('directus_revisions').where({ collection: 'cli_swap' });
			expect(revisions).toHaveLength(0); // accountability "activity": no revisions, as Directus would do
			const disabled = runHostCli(['analytics', 'writer', 'disable', 'cli_swap']);
			expect(JSON.parse(disabled.last)).toMatchObject({
				changed: [{ collection: 'cli_swap', accountability: 'activity' }],
			});
		},
	);
});
