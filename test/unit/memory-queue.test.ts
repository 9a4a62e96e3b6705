import { describe, expect, it } from 'vitest';
import {
	decodeBatch,
	decodeEvent,
	encodeBatch,
	encodeEvent,
	type ActivityEvent,
	type EventBatch,
} from '../../src/server/schema/activity-event';
import { MemoryQueue } from '../../src/server/queue/memory-queue';
import { createWriterMetrics } from '../../src/server/queue/writer-metrics';

function events(n: number, from = 0): ActivityEvent[] {
	return Array.from({ length: n }, (_, i) => ({
		key: `k${from + i}`,
		action: 'create',
		user: null,
		ip: null,
		user_agent: null,
		origin: null,
		collection: 'c',
		item: String(from + i),
		at: Date.now(),
		seq: from + i,
	}));
}

/** A store that records what it was given and can be told to fail. */
function recordingStore() {
	const written: string[] = [];
	let failuresLeft = 0;
	return {
		written,
		failNext(times: number) {
			failuresLeft = times;
		},
		write: async (batch: EventBatch) => {
			if (failuresLeft > 0) {
				failuresLeft--;
				throw new Error('database away');
			}
			const keys = decodeBatch(batch).map((e) => e.key);
			written.push(...keys);
			return { written: keys.length, skipped: 0 };
		},
	};
}

describe('MemoryQueue', () => {
	it('writes a batch as soon as flushSize events wait, in capture order', async () => {
		const store = recordingStore();
		const queue = new MemoryQueue(
			store.write,
			{ flushSize: 10, flushIntervalMs: 60_000, maxSize: 100 },
			createWriterMetrics(),
		);
		queue.accept(events(9));
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(store.written).toEqual([]);
		queue.accept(events(1, 9));
		await queue.flush();
		expect(store.written).toEqual(events(10).map((e) => e.key));
	});

	it('writes what waits on every interval', async () => {
		const store = recordingStore();
		const queue = new MemoryQueue(
			store.write,
			{ flushSize: 500, flushIntervalMs: 30, maxSize: 1000 },
			createWriterMetrics(),
		);
		queue.start();
		queue.accept(events(3));
		await new Promise((resolve) => setTimeout(resolve, 120));
		expect(store.written).toHaveLength(3);
		await queue.drain();
	});

	it('keeps a batch the database refused and writes it on a retry, counting the retries', async () => {
		const store = recordingStore();
		const metrics = createWriterMetrics();
		const queue = new MemoryQueue(store.write, { flushSize: 5, flushIntervalMs: 60_000, maxSize: 100 }, metrics);
		store.failNext(2);
		queue.accept(events(5));
		await queue.flush();
		expect(store.written).toHaveLength(5);
		expect(metrics.retries).toBe(2);
		expect(metrics.eventsWritten).toBe(5);
		expect(queue.depth).toBe(0);
	});

	it('refuses events beyond maxSize instead of dropping any (the writer then writes them itself)', async () => {
		const store = recordingStore();
		store.failNext(1_000_000);
		let done = false;
		const queue = new MemoryQueue(
			store.write,
			{ flushSize: 50, flushIntervalMs: 60_000, maxSize: 100 },
			createWriterMetrics(),
			{ giveUp: () => done },
		);
		expect(queue.accept(events(100))).toBe(true);
		expect(queue.accept(events(1, 100))).toBe(false);
		expect(queue.depth).toBe(100);
		done = true;
		expect(await queue.drain()).toBe(100);
	});

	it('drain writes everything held, and reports what it could not write once the deadline passes', async () => {
		const store = recordingStore();
		const queue = new MemoryQueue(
			store.write,
			{ flushSize: 4, flushIntervalMs: 60_000, maxSize: 100 },
			createWriterMetrics(),
		);
		queue.accept(events(10));
		expect(await queue.drain()).toBe(0);
		expect(store.written).toHaveLength(10);

		const stuck = recordingStore();
		stuck.failNext(1_000_000);
		const deadline = Date.now() + 300;
		const failing = new MemoryQueue(
			stuck.write,
			{ flushSize: 4, flushIntervalMs: 60_000, maxSize: 100 },
			createWriterMetrics(),
			{ giveUp: () => Date.now() > deadline },
		);
		failing.accept(events(6));
		expect(await failing.drain()).toBe(6);
	});

	it('settle resolves once everything queued before it is written (a sync write then follows in order)', async () => {
		const store = recordingStore();
		const queue = new MemoryQueue(
			store.write,
			{ flushSize: 4, flushIntervalMs: 60_000, maxSize: 100 },
			createWriterMetrics(),
		);
		queue.accept(events(10));
		await queue.settle();
		expect(store.written).toEqual(events(10).map((e) => e.key));
	});
});

describe('event wire format', () => {
	it('round-trips events with and without revisions, null data and parents', () => {
		const plain = events(1)[0]!;
		const revised: ActivityEvent = {
			...plain,
			key: 'r',
			revision: { data: { a: 1 }, delta: { a: 1 }, parentKey: 'p' },
		};
		const noData: ActivityEvent = { ...plain, key: 'n', revision: { data: null, delta: { b: 2 }, parentKey: null } };
		const emptyDelta: ActivityEvent = {
			...plain,
			key: 'e',
			revision: { data: { c: 3 }, delta: null, parentKey: null },
		};
		for (const event of [plain, revised, noData, emptyDelta]) expect(decodeEvent(encodeEvent(event))).toEqual(event);
		expect(JSON.parse(encodeEvent(noData))).not.toHaveProperty('data');
		expect(JSON.parse(encodeEvent(emptyDelta)).revised).toBe(false);
		expect(encodeBatch([plain, revised])).toBe(`[${encodeEvent(plain)},${encodeEvent(revised)}]`);
	});
});
