import { describe, expect, it } from 'vitest';
import { AnalyticsCache } from '../../src/server/cache/analytics-cache';
import { createMemoryStore } from '../../src/server/cache/cache-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loader that answers what the database holds now, at the generation it holds now. */
function fakeDatabase(initial: { value: number; generation: number }) {
	const state = { ...initial, loads: 0 };
	const load = async () => {
		state.loads++;
		const snapshot = { value: state.value, generation: state.generation };
		await sleep(5);
		return snapshot;
	};
	return { state, load };
}

describe('analytics cache', () => {
	it('recomputes an answer of an older generation at once instead of serving it stale', async () => {
		const cache = new AnalyticsCache(createMemoryStore(), { ttlSeconds: 300, staleSeconds: 300 });
		const db = fakeDatabase({ value: 1, generation: 1 });
		expect(await cache.getOrLoad('k', 1, db.load)).toEqual({ value: 1, status: 'MISS' });
		expect(await cache.getOrLoad('k', 1, db.load)).toEqual({ value: 1, status: 'HIT' });
		db.state.value = 2;
		db.state.generation = 2;
		expect(await cache.getOrLoad('k', 2, db.load)).toEqual({ value: 2, status: 'MISS' });
		expect(await cache.getOrLoad('k', 2, db.load)).toEqual({ value: 2, status: 'HIT' });
		expect(cache.stats.stale).toBe(0);
	});

	it('serves stale after the TTL expires while one background load replaces it', async () => {
		const cache = new AnalyticsCache(createMemoryStore(), { ttlSeconds: 0.05, staleSeconds: 60 });
		const db = fakeDatabase({ value: 1, generation: 1 });
		await cache.getOrLoad('k', 1, db.load);
		await sleep(80);
		db.state.value = 2;
		const answers = await Promise.all([cache.getOrLoad('k', 1, db.load), cache.getOrLoad('k', 1, db.load)]);
		expect(answers).toEqual([
			{ value: 1, status: 'STALE' },
			{ value: 1, status: 'STALE' },
		]);
		await sleep(30);
		expect(await cache.getOrLoad('k', 1, db.load)).toEqual({ value: 2, status: 'HIT' });
		expect(db.state.loads).toBe(2);
	});

	it('does not hand a caller after a refresh the result of a load that began before it', async () => {
		const cache = new AnalyticsCache(createMemoryStore(), { ttlSeconds: 300, staleSeconds: 300 });
		const db = fakeDatabase({ value: 1, generation: 1 });
		const before = cache.getOrLoad('k', 1, db.load);
		while (db.state.loads === 0) await sleep(1);
		db.state.value = 2;
		db.state.generation = 2;
		const after = cache.getOrLoad('k', 2, db.load);
		expect(await before).toEqual({ value: 1, status: 'MISS' });
		expect(await after).toEqual({ value: 2, status: 'MISS' });
	});

	it('loads each key once for concurrent misses (single flight)', async () => {
		const cache = new AnalyticsCache(createMemoryStore(), { ttlSeconds: 300, staleSeconds: 300 });
		const db = fakeDatabase({ value: 7, generation: 1 });
		const answers = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad('k', 1, db.load)));
		expect(answers.every((a) => a.value === 7)).toBe(true);
		expect(db.state.loads).toBe(1);
	});
});
