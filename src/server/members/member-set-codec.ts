import { TypedFastBitSet } from 'typedfastbitset';
import { VarintReader, varintLength, writeVarint } from './varint';

// A member set is the ids (from the member dictionary) of the users or IPs seen in one rollup bucket. It is
// stored in whichever of two forms is smaller: a sorted list of varint gaps (an hour's few hundred IPs out of
// 50,000) or the bitset's words (a day's tens of thousands).
const SPARSE = 1;
const DENSE = 2;

/** Encodes a set of non-negative integer ids. */
export function encodeMemberSet(set: TypedFastBitSet): Buffer {
	const ids = set.array();
	let sparseLength = 1;
	let previous = -1;
	for (const id of ids) {
		sparseLength += varintLength(id - previous - 1);
		previous = id;
	}
	const words = ids.length === 0 ? 0 : Math.floor(ids[ids.length - 1]! / 32) + 1;
	const denseLength = 1 + words * 4;
	if (sparseLength <= denseLength) {
		const out = Buffer.alloc(sparseLength);
		out[0] = SPARSE;
		let at = 1;
		previous = -1;
		for (const id of ids) {
			at = writeVarint(out, at, id - previous - 1);
			previous = id;
		}
		return out;
	}
	const out = Buffer.alloc(denseLength);
	out[0] = DENSE;
	for (let w = 0; w < words; w++) out.writeUInt32LE(set.words[w]! >>> 0, 1 + w * 4);
	return out;
}

export class MemberSetFormatError extends Error {}

/** Adds the ids of an encoded set to `target`. */
export function addEncodedMembers(target: TypedFastBitSet, encoded: Uint8Array): void {
	const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
	if (bytes[0] === SPARSE) {
		const reader = new VarintReader(
			bytes,
			1,
			() => new MemberSetFormatError(`member set ends inside a number (${bytes.length} bytes)`),
		);
		let id = -1;
		while (!reader.done) {
			id += reader.next() + 1;
			target.add(id);
		}
		return;
	}
	if (bytes[0] === DENSE && (bytes.length - 1) % 4 === 0) {
		const words = new Uint32Array((bytes.length - 1) / 4);
		for (let w = 0; w < words.length; w++) words[w] = bytes.readUInt32LE(1 + w * 4);
		target.union(TypedFastBitSet.fromWords(words));
		return;
	}
	throw new MemberSetFormatError(`unknown member set format ${bytes[0]} (${bytes.length} bytes)`);
}

export function decodeMemberSet(encoded: Uint8Array): TypedFastBitSet {
	const set = new TypedFastBitSet();
	addEncodedMembers(set, encoded);
	return set;
}
