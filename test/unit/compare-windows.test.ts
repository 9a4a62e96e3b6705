import { describe, expect, it } from 'vitest';
import { compareWithPrevious, previousSpan, relativeChange } from '../../src/server/query/compare-windows';

describe('the previous-window comparison', () => {
	it('compares with the window of the same length that ends where this one starts', async () => {
		expect(previousSpan({ from: 1_000, to: 1_600 })).toEqual({ from: 400, to: 1_000 });
		const asked: { from: number; to: number }[] = [];
		const result = await compareWithPrevious({ from: 86_400, to: 172_800 }, async (span) => {
			asked.push(span);
			return span.to - span.from + asked.length;
		});
		expect(asked).toEqual([
			{ from: 86_400, to: 172_800 },
			{ from: 0, to: 86_400 },
		]);
		expect(result).toEqual({ current: 86_401, previous: 86_402, previousSpan: { from: 0, to: 86_400 } });
	});

	it('gives the relative change to four decimals, and null when the previous window had nothing', () => {
		expect(relativeChange(150, 100)).toBe(0.5);
		expect(relativeChange(1, 3)).toBe(-0.6667);
		expect(relativeChange(0, 5)).toBe(-1);
		expect(relativeChange(7, 0)).toBeNull();
	});
});
