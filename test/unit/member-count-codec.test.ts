import { describe, expect, it } from 'vitest';
import {
	decodeMemberCounts,
	encodeMemberCounts,
	MemberCountFormatError,
	visitMemberCounts,
} from '../../src/server/members/member-count-codec';

function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 4294967296;
	};
}

describe('member count codec', () => {
	it('round-trips varint boundaries of ids, counts and the count with no member', () => {
		for (const n of [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 10_000_000]) {
			const counts = new Map([
				[n, n + 1],
				[n + 1, 1],
			]);
			expect(decodeMemberCounts(encodeMemberCounts(counts, n))).toEqual({ counts, none: n });
		}
		expect(decodeMemberCounts(encodeMemberCounts(new Map(), 0))).toEqual({ counts: new Map(), none: 0 });
	});

	it('round-trips random vectors in ascending id order, whatever order they were given in', () => {
		const random = seeded(11);
		for (let round = 0; round < 100; round++) {
			const counts = new Map<number, number>();
			const size = Math.floor(random() * 5_000);
			for (let i = 0; i < size; i++)
				counts.set(Math.floor(random() * 100_000), 1 + Math.floor(random() ** 4 * 1_000_000));
			const none = Math.floor(random() * 1000);
			const decoded = decodeMemberCounts(encodeMemberCounts(counts, none));
			expect(decoded.none).toBe(none);
			expect(decoded.counts).toEqual(counts);
			expect([...decoded.counts.keys()]).toEqual([...counts.keys()].sort((a, b) => a - b));
		}
	});

	it('leaves out members whose count fell to zero or below', () => {
		const decoded = decodeMemberCounts(
			encodeMemberCounts(
				new Map([
					[3, 0],
					[4, -2],
					[9, 5],
				]),
				-1,
			),
		);
		expect(decoded).toEqual({ counts: new Map([[9, 5]]), none: 0 });
	});

	it('stores a member in a few bytes: a day of 50,000 IPs stays near 200 KB', () => {
		const counts = new Map<number, number>();
		for (let id = 0; id < 50_000; id++) counts.set(id * 2, 100 + (id % 300));
		expect(encodeMemberCounts(counts, 0).length).toBeLessThan(200_000);
	});

	it('refuses an unknown format and a truncated number', () => {
		expect(() => visitMemberCounts(Uint8Array.from([1, 0]), () => undefined)).toThrow(MemberCountFormatError);
		expect(() => visitMemberCounts(Uint8Array.from([3, 0, 0x80]), () => undefined)).toThrow(MemberCountFormatError);
	});
});
