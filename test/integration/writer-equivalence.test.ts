import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeEvent } from '../../src/server/schema/activity-event';
import { api, apiData, openSocket, type DirectusErrorBody } from '../support/api';
import { openHostDatabase } from '../support/database';
import { createTrackedPair, waitForWriterIdle } from '../support/writer';

let db: Knex;
const NATIVE = 'eq_native';
const WRITER = 'eq_writer';

/** The scripted sequence both runs go through: creates, nested creates and updates, a bulk create, deletes. */
async function runScript(c: string): Promise<{ one: number }> {
	const one = await apiData<{ id: number }>(`/items/${c}`, { method: 'POST', body: { title: 'one', count: 1 } });
	const two = await apiData<{ id: number; lines: number[] }>(`/items/${c}?fields=id,lines`, {
		method: 'POST',
		body: { title: 'two', lines: [{ label: 'x' }, { label: 'y' }] },
	});
	await apiData(`/items/${c}/${one.id}`, { method: 'PATCH', body: { count: 5 } });
	await apiData(`/items/${c}`, { method: 'PATCH', body: { keys: [one.id, two.id], data: { title: 'same' } } });
	const bulk = await apiData<{ id: number }[]>(`/items/${c}`, {
		method: 'POST',
		body: Array.from({ length: 6 }, (_, i) => ({ title: `bulk ${i}`, count: i })),
	});
	await apiData(`/items/${c}/${two.id}`, {
		method: 'PATCH',
		body: { count: 9, lines: { create: [{ label: 'z' }], update: [{ id: two.lines[1], label: 'y2' }], delete: [] } },
	});
	await apiData(`/items/${c}_lines/${two.lines[0]}`, { method: 'PATCH', body: { label: 'x2' } });
	expect((await api(`/items/${c}/${bulk[0]!.id}`, { method: 'DELETE' })).status).toBe(204);
	expect((await api(`/items/${c}`, { method: 'DELETE', body: [bulk[1]!.id, bulk[2]!.id] })).status).toBe(204);
	return { one: one.id };
}

const parse = (value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value);
const rename = (collection: string, from: string) => collection.replace(from, 'C');

/** Both tables for one collection pair, ids and timestamps left out, each item's history in its own order. */
async function trackedRows(prefix: string) {
	const collections = [prefix, `${prefix}_lines`];
	const activity = (await db('directus_activity').whereIn('collection', collections).orderBy('id')) as Record<
		string,
		unknown
	>[];
	const revisions = (await db('directus_revisions').whereIn('collection', collections).orderBy('id')) as Record<
		string,
		unknown
	>[];
	const positionOf = new Map<number, string>();
	const perItem = new Map<string, number>();
	const activityById = new Map(activity.map((a) => [Number(a['id']), a]));
	for (const r of revisions) {
		const itemKey = `${rename(String(r['collection']), prefix)}:${String(r['item'])}`;
		const n = perItem.get(itemKey) ?? 0;
		perItem.set(itemKey, n + 1);
		positionOf.set(Number(r['id']), `${itemKey}#${n}`);
	}
	const byItem = (a: { collection: string; item: string }, b: { collection: string; item: string }) =>
		a.collection.localeCompare(b.collection) || Number(a.item) - Number(b.item);
	return {
		activity: activity
			.map((a) => ({
				action: a['action'],
				user: a['user'],
				ip: a['ip'],
				user_agent: a['user_agent'],
				origin: a['origin'],
				collection: rename(String(a['collection']), prefix),
				item: String(a['item']),
			}))
			.sort(byItem),
		revisions: revisions
			.map((r) => ({
				action: activityById.get(Number(r['activity']))?.['action'],
				collection: rename(String(r['collection']), prefix),
				item: String(r['item']),
				data: parse(r['data']),
				delta: parse(r['delta']),
				parent: r['parent'] === null ? null : (positionOf.get(Number(r['parent'])) ?? 'unknown'),
			}))
			.sort(byItem),
	};
}

beforeAll(async () => {
	db = openHostDatabase();
	await createTrackedPair(NATIVE);
	await createTrackedPair(WRITER);
});

afterAll(async () => {
	await db.destroy();
});

describe('the writer writes what Directus would have written', () => {
	it('gives the same activity and revisions, row by row, as native accountability', async () => {
		await runScript(NATIVE);
		const swap = await apiData<{ changed: { collection: string; accountability: string }[] }>(
			'/analytics/writer/enable',
			{ method: 'POST', body: { collections: [WRITER, `${WRITER}_lines`] } },
		);
		expect(swap.changed).toEqual([
			{ collection: WRITER, accountability: 'all' },
			{ collection: `${WRITER}_lines`, accountability: 'all' },
		]);
		await runScript(WRITER);
		const writer = await waitForWriterIdle();
		expect(writer.drops).toBe(0);
		// The MariaDB host writes deletes synchronously (ACTIVITY_ANALYTICS_SYNC_ACTIONS=delete): the same rows.
		expect(writer.syncWrites).toBe(inject('host').env['ACTIVITY_ANALYTICS_SYNC_ACTIONS'] === 'delete' ? 3 : 0);

		const native = await trackedRows(NATIVE);
		const written = await trackedRows(WRITER);
		// creates 2 + 2 nested, updates 1 + 2, bulk 6, an update with a nested create and update (3), 1 update, deletes 1 + 2
		expect(native.activity.length).toBe(20);
		expect(written.activity).toEqual(native.activity);
		expect(native.revisions.some((r) => r.parent !== null)).toBe(true);
		expect(written.revisions).toEqual(native.revisions);
		// The ledger proves the writer wrote them (Directus wrote none: tracking is off for these collections).
		const [{ n } = { n: 0 }] = await db('activity_analytics_writer_ledger as l')
			.join('directus_activity as a', 'a.id', 'l.activity')
			.whereIn('a.collection', [WRITER, `${WRITER}_lines`])
			.count({ n: '*' });
		expect(Number(n)).toBe(written.activity.length);
	});

	it('serves the revision sidebar and revert from the written rows', async () => {
		const revisions = await apiData<
			{ id: number; data: { title?: string; count?: number }; activity: { action: string } }[]
		>(`/revisions?filter[collection][_eq]=${WRITER}&filter[item][_eq]=1&fields=id,data,activity.action&sort=id`);
		expect(revisions.map((r) => r.activity.action)).toEqual(['create', 'update', 'update']);
		expect((await api(`/utils/revert/${revisions[0]!.id}`, { method: 'POST' })).status).toBe(204);
		const item = await apiData<{ title: string; count: number }>(`/items/${WRITER}/1`);
		expect(item).toMatchObject({ title: 'one', count: 1 });
		await waitForWriterIdle();
		const after = await apiData<unknown[]>(
			`/revisions?filter[collection][_eq]=${WRITER}&filter[item][_eq]=1&fields=id`,
		);
		expect(after.length).toBe(4);
	});

	it('gives a collection back with exactly the accountability it had', async () => {
		const result = await apiData<{ changed: { collection: string; accountability: string }[] }>(
			'/analytics/writer/disable',
			{ method: 'POST', body: { collections: [WRITER, `${WRITER}_lines`] } },
		);
		expect(result.changed.map((c) => c.accountability)).toEqual(['all', 'all']);
		const meta = await apiData<{ meta: { accountability: string } }>(`/collections/${WRITER}`);
		expect(meta.meta.accountability).toBe('all');
		const listed = await apiData<{ collection: string }[]>('/analytics/writer');
		expect(listed.map((c) => c.collection)).not.toContain(WRITER);
		expect(listed.map((c) => c.collection)).not.toContain(`${WRITER}_lines`);
	});

	it('refuses unknown, system and singleton collections, naming each', async () => {
		await apiData('/collections', {
			method: 'POST',
			body: {
				collection: 'eq_settings',
				meta: { singleton: true },
				schema: {},
				fields: [{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } }],
			},
		});
		const response = await api<unknown>('/analytics/writer/enable', {
			method: 'POST',
			body: { collections: ['nope_a', 'directus_users', 'eq_settings'] },
		});
		expect(response.status).toBe(400);
		const message = (response.body as DirectusErrorBody).errors[0]?.message ?? '';
		expect(message).toContain('nope_a');
		expect(message).toMatch(/directus_users: system collections/);
		expect(message).toMatch(/eq_settings: singletons are refused/);
		expect((await api('/analytics/writer/enable', { method: 'POST', body: { collections: 'orders' } })).status).toBe(
			400,
		);
		expect(
			(await api('/analytics/writer/enable', { method: 'POST', body: { collections: [WRITER] }, token: null })).status,
		).toBe(403);
	});
});

const hostEnv = inject('host').env;
const HOLD = 'eq_hold';

/** Whether an event for (collection, item, action) is in the Redis stream or already written, right now. */
async function handedOver(redis: Redis, collection: string, item: string | number, action: string): Promise<boolean> {
	const streamKey = `${hostEnv['CACHE_NAMESPACE']}:activity-analytics:events`;
	// The stream first: an entry written and deleted between the two reads is then found in the table.
	const entries = await redis.xrange(streamKey, '-', '+');
	const inStream = entries.some(([, fields]) => {
		const event = decodeEvent(fields[1]!);
		return event.collection === collection && event.item === String(item) && event.action === action;
	});
	if (inStream) return true;
	const written = await db('directus_activity')
		.where({ collection, item: String(item), action })
		.first();
	return written !== undefined;
}

/** Creates a collection and turns its native tracking off: the set of untracked collections changes, so the next write reads the writer's list again. */
async function untrackNewCollection(collection: string): Promise<void> {
	await apiData('/collections', {
		method: 'POST',
		body: {
			collection,
			meta: { accountability: 'all' },
			schema: {},
			fields: [{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } }],
		},
	});
	await apiData(`/collections/${collection}`, { method: 'PATCH', body: { meta: { accountability: null } } });
}

/** Holds an access-exclusive lock on the writer's collection list until released: any read of it waits. */
async function lockWriterCollections(): Promise<() => Promise<void>> {
	const trx = await db.transaction();
	await trx.raw('lock table activity_analytics_writer_collections in access exclusive mode');
	return async () => {
		await trx.rollback();
	};
}

// The Redis stream is what survives a hard kill; in memory mode nothing an instance holds does.
describe.runIf(hostEnv['DB_CLIENT'] === 'pg' && Boolean(hostEnv['REDIS']))(
	'an answered write has reached the queue',
	() => {
		let redis: Redis;
		beforeAll(async () => {
			redis = new Redis(String(hostEnv['REDIS']));
			await createTrackedPair(HOLD);
			await apiData('/analytics/writer/enable', { method: 'POST', body: { collections: [HOLD, `${HOLD}_lines`] } });
			// One write sees the new schema and reads the list; the tests below start from a loaded list.
			await apiData(`/items/${HOLD}`, { method: 'POST', body: { title: 'warm-up' } });
			await waitForWriterIdle();
		});
		afterAll(async () => {
			redis.disconnect();
		});

		it('hands creates, updates (snapshot read first) and deletes over before Directus answers, reading nothing of ours', async () => {
			const release = await lockWriterCollections();
			try {
				const missing: string[] = [];
				const ids: number[] = [];
				for (let i = 0; i < 5; i++) {
					const { id } = await apiData<{ id: number }>(`/items/${HOLD}`, {
						method: 'POST',
						body: { title: `held ${i}` },
					});
					ids.push(id);
					if (!(await handedOver(redis, HOLD, id, 'create'))) missing.push(`create ${id}`);
				}
				for (const id of ids.slice(0, 2)) {
					await apiData(`/items/${HOLD}/${id}`, { method: 'PATCH', body: { count: id } });
					if (!(await handedOver(redis, HOLD, id, 'update'))) missing.push(`update ${id}`);
				}
				for (const id of ids.slice(3)) {
					expect((await api(`/items/${HOLD}/${id}`, { method: 'DELETE' })).status).toBe(204);
					if (!(await handedOver(redis, HOLD, id, 'delete'))) missing.push(`delete ${id}`);
				}
				expect(missing).toEqual([]);
			} finally {
				await release();
			}
			await waitForWriterIdle();
		});

		it('holds the answers of the first writes after a schema change until their events are handed over', async () => {
			// Another collection loses native tracking: the set of untracked collections changes, so the next write
			// reads the list again, and that read waits on the lock.
			await untrackNewCollection('eq_hold_other');
			const [{ id: existing } = { id: 0 }] = await apiData<{ id: number }[]>(
				`/items/${HOLD}?limit=1&sort=id&fields=id`,
			);
			const release = await lockWriterCollections();
			let answered = 0;
			let create: Promise<{ id: number }>;
			let update: Promise<unknown>;
			try {
				create = apiData<{ id: number }>(`/items/${HOLD}`, {
					method: 'POST',
					body: { title: 'after the change' },
				}).finally(() => answered++);
				update = apiData(`/items/${HOLD}/${existing}`, {
					method: 'PATCH',
					body: { title: 'changed after the change' },
				}).finally(() => answered++);
				await new Promise((resolve) => setTimeout(resolve, 1_500));
				expect(answered).toBe(0);
			} finally {
				await release();
			}
			const { id } = await create;
			const createHandedOver = await handedOver(redis, HOLD, id, 'create');
			await update;
			expect(createHandedOver).toBe(true);
			expect(await handedOver(redis, HOLD, existing, 'update')).toBe(true);
			await waitForWriterIdle();
		});

		it('holds a WebSocket answer the same way', async () => {
			const socket = await openSocket();
			try {
				await untrackNewCollection('eq_hold_socket');
				const release = await lockWriterCollections();
				let answered = false;
				let create: Promise<Record<string, unknown>>;
				try {
					create = socket
						.request({ type: 'items', collection: HOLD, action: 'create', data: { title: 'over the socket' } })
						.finally(() => (answered = true));
					await new Promise((resolve) => setTimeout(resolve, 1_500));
					expect(answered).toBe(false);
				} finally {
					await release();
				}
				const message = await create;
				const { id } = message['data'] as { id: number };
				expect(await handedOver(redis, HOLD, id, 'create')).toBe(true);
			} finally {
				socket.close();
			}
			await waitForWriterIdle();
		});
	},
);
