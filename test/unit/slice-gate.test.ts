import { describe, expect, it } from 'vitest';
import { createSliceGate } from '../../src/server/capture/slice-gate';

describe('createSliceGate', () => {
	it('releases waiters in order, a slice per event-loop turn, letting other callbacks run in between', async () => {
		const gate = createSliceGate(3);
		const order: string[] = [];
		const waiters = Array.from({ length: 7 }, (_, i) => gate().then(() => order.push(`w${i}`)));
		// Queued now, so it runs in the turn after the first slice, before the later slices.
		setImmediate(() => order.push('io'));
		await Promise.all(waiters);
		expect(order).toEqual(['w0', 'w1', 'w2', 'io', 'w3', 'w4', 'w5', 'w6']);
	});
});
