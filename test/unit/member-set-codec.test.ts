import { TypedFastBitSet } from 'typedfastbitset';
import { describe, expect, it } from 'vitest';
import {
	addEncodedMembers,
	decodeMemberSet,
	encodeMemberSet,
	MemberSetFormatError,
} from '../../src/server/members/member-set-codec';

function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 4294967296;
	};
}

describe('member set codec', () => {
	it('round-trips empty, single, boundary and large ids', () => {
		for (const ids of [
			[],
			[0],
			[31],
			[32],
			[127],
			[128],
			[16_383],
			[16_384],
			[10_000_000],
			[0, 1, 2, 3],
			[5, 1_000_000],
		]) {
			expect(decodeMemberSet(encodeMemberSet(new TypedFastBitSet(ids))).array()).toEqual(ids);
		}
	});

	it('round-trips random sets of every density and picks the smaller form', () => {
		const random = seeded(7);
		for (let round = 0; round < 200; round++) {
			const universe = 1 + Math.floor(random() * 60_000);
			const density = random() ** 3;
			const ids = new Set<number>();
			const count = Math.floor(universe * density);
			for (let i = 0; i < count; i++) ids.add(Math.floor(random() * universe));
			const expected = [...ids].sort((a, b) => a - b);
			const encoded = encodeMemberSet(new TypedFastBitSet(expected));
			expect(decodeMemberSet(encoded).array()).toEqual(expected);
			const denseBytes = expected.length === 0 ? 1 : 1 + 4 * (Math.floor(expected.at(-1)! / 32) + 1);
			expect(encoded.length).toBeLessThanOrEqual(denseBytes);
			// A sparse hour of a few hundred members out of tens of thousands stays small.
			if (expected.length > 0 && expected.length * 3 < denseBytes) expect(encoded[0]).toBe(1);
		}
	});

	it('adds encoded sets into one union', () => {
		const union = new TypedFastBitSet();
		addEncodedMembers(union, encodeMemberSet(new TypedFastBitSet([1, 2, 3])));
		addEncodedMembers(union, encodeMemberSet(new TypedFastBitSet(Array.from({ length: 5000 }, (_, i) => i * 2))));
		addEncodedMembers(union, encodeMemberSet(new TypedFastBitSet([70_001])));
		expect(union.size()).toBe(5000 + 2 + 1);
		expect(union.has(3) && union.has(9998) && union.has(70_001) && !union.has(9999)).toBe(true);
	});

	it('refuses a blob it did not write', () => {
		expect(() => decodeMemberSet(Buffer.from([9, 1, 2]))).toThrow(MemberSetFormatError);
		expect(() => decodeMemberSet(Buffer.from([2, 1, 2]))).toThrow(MemberSetFormatError);
		expect(() => decodeMemberSet(Buffer.from([1, 3, 0x80]))).toThrow(MemberSetFormatError);
	});
});
