import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	GeneratorOptionsError,
	buildActors,
	generateActivityBatches,
	parseGeneratorOptions,
	rowsPerDay,
} from '../../scripts/demo-data/activity-model.mjs';
import { parseArgs } from '../../scripts/generate-activity.mjs';

interface Row {
	id: number;
	action: string;
	user: string | null;
	timestamp: Date;
	ip: string | null;
	collection: string;
}

function generate(seed: number, rows = 20_000, days = 28): Row[] {
	const options = parseGeneratorOptions({ rows, days, seed, end: '2026-10-05T00:00:00Z' });
	return [...generateActivityBatches(options, buildActors(options), 1, 5000)].flat() as Row[];
}

const digest = (rows: Row[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');

describe('activity model', () => {
	it('is deterministic for a seed and differs between seeds', () => {
		expect(digest(generate(1))).toBe(digest(generate(1)));
		expect(digest(generate(1))).not.toBe(digest(generate(2)));
	});

	it('writes exactly the requested rows, in time order, inside the window', () => {
		const rows = generate(3);
		expect(rows).toHaveLength(20_000);
		const start = Date.parse('2026-10-05T00:00:00Z') - 28 * 86_400_000;
		expect(new Set(rows.map((r) => r.timestamp.toISOString().slice(0, 10))).size).toBe(28);
		for (let i = 1; i < rows.length; i++)
			expect(rows[i]!.timestamp.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.timestamp.getTime());
		expect(rows[0]!.timestamp.getTime()).toBeGreaterThanOrEqual(start);
		expect(rows.at(-1)!.timestamp.getTime()).toBeLessThan(Date.parse('2026-10-05T00:00:00Z'));
		expect(rows.every((r) => r.timestamp.getMilliseconds() === 0)).toBe(true);
	});

	it('has every action, thousands of IPs and skewed users and collections', () => {
		const rows = generate(4, 200_000, 60);
		const actions = new Set(rows.map((r) => r.action));
		expect([...actions].sort()).toEqual(['create', 'delete', 'login', 'run', 'update']);
		expect(new Set(rows.map((r) => r.ip)).size).toBeGreaterThan(1000);
		const perUser = new Map<string, number>();
		for (const r of rows) if (r.user) perUser.set(r.user, (perUser.get(r.user) ?? 0) + 1);
		const counts = [...perUser.values()].sort((a, b) => b - a);
		// The busiest user does far more than the median one.
		expect(counts[0]! / counts[Math.floor(counts.length / 2)]!).toBeGreaterThan(10);
		expect(rows.some((r) => r.user === null)).toBe(true);
		const perCollection = new Map<string, number>();
		for (const r of rows) perCollection.set(r.collection, (perCollection.get(r.collection) ?? 0) + 1);
		expect(perCollection.get('orders')!).toBeGreaterThan(3 * (perCollection.get('directus_dashboards') ?? 0));
	});

	it('follows a weekly and a daily rhythm', () => {
		const rows = generate(5, 100_000, 56);
		const byWeekday = new Array(7).fill(0);
		const byHour = new Array(24).fill(0);
		for (const r of rows) {
			byWeekday[r.timestamp.getUTCDay()]++;
			byHour[r.timestamp.getUTCHours()]++;
		}
		expect(byWeekday[3]).toBeGreaterThan(2 * byWeekday[0]);
		expect(byHour[10]).toBeGreaterThan(5 * byHour[3]);
	});

	it('spreads the rows over days summing exactly to the total', () => {
		const options = parseGeneratorOptions({ rows: 12_345, days: 17, seed: 1, end: '2026-01-01T00:00:00Z' });
		const { counts, firstDay } = rowsPerDay(options);
		expect(new Date(firstDay).toISOString()).toBe('2025-12-15T00:00:00.000Z');
		expect(counts).toHaveLength(17);
		expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(12_345);
	});

	it('refuses nonsense sizes, days, seeds and dates with the flag named', () => {
		expect(() => parseGeneratorOptions({ rows: 5 })).toThrow(/--rows/);
		expect(() => parseGeneratorOptions({ rows: 20_000_000 })).toThrow(/--rows/);
		expect(() => parseGeneratorOptions({ rows: 'many' })).toThrow(/--rows/);
		expect(() => parseGeneratorOptions({ days: 0 })).toThrow(/--days/);
		expect(() => parseGeneratorOptions({ seed: -1 })).toThrow(/--seed/);
		expect(() => parseGeneratorOptions({ end: 'yesterday' })).toThrow(/--end/);
		expect(() => parseGeneratorOptions({ end: '2999-01-01' })).toThrow(/future/);
		expect(() => parseArgs(['--rowz', '10'])).toThrow(GeneratorOptionsError);
		expect(parseArgs(['--rows', '1M', '--revisions'])).toEqual({ rows: 1_000_000, revisions: true });
	});
});
