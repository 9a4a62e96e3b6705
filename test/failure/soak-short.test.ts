import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/lib/soak.mjs';

// The soak's short mode: the same mixed load for 30 s, correctness only (timings belong to bench/soak.mjs).
describe('soak, short mode', () => {
	it('mixed writes and dashboard reads for 30 s: no error, every acknowledged write recorded once, queue bounded', async () => {
		const result = await runSoak({
			name: 'soak-short',
			port: 18165,
			seconds: 30,
			writesPerSecond: 100,
			readsPerSecond: 10,
			sampleEveryMs: 5_000,
		});
		expect(result.errors).toEqual({});
		// Floors that show the load ran, not a speed: the other lane shares these two cores, and on a slow
		// machine 1,214 of the 3,000 writes asked for got through (the rest were skipped at 64 in flight).
		expect(result.writes.acked).toBeGreaterThan(300);
		expect(result.reads.ok).toBeGreaterThan(30);
		expect(result.missing).toBe(0);
		expect(result.doubled).toBe(0);
		expect(result.maxQueueDepth).toBeLessThan(10_000);
		// Six ticks of 5 s: a slow status call delays a sample instead of dropping it.
		expect(result.samples.length).toBe(6);
	});
});
