// A member count vector is the event count of each member (by dictionary id) in one rollup bucket, plus the
// events with no member at all (NULL user or IP). Ids ascend, so each is stored as the varint gap from the
// previous one, followed by its count as a varint: three to five bytes per member.
import { VarintReader, varintLength, writeVarint } from './varint';

const COUNTED = 3;

export class MemberCountFormatError extends Error {}

/** Encodes positive counts by id (entries of 0 or less are left out) and the count with no member. */
export function encodeMemberCounts(counts: ReadonlyMap<number, number>, none: number): Buffer {
	const ids = [...counts.keys()].filter((id) => counts.get(id)! > 0).sort((a, b) => a - b);
	let length = 1 + varintLength(Math.max(0, none));
	let previous = -1;
	for (const id of ids) {
		length += varintLength(id - previous - 1) + varintLength(counts.get(id)!);
		previous = id;
	}
	const out = Buffer.alloc(length);
	out[0] = COUNTED;
	let at = writeVarint(out, 1, Math.max(0, none));
	previous = -1;
	for (const id of ids) {
		at = writeVarint(out, at, id - previous - 1);
		at = writeVarint(out, at, counts.get(id)!);
		previous = id;
	}
	return out;
}

/** Calls `visit` with each (id, count) of an encoded vector, and returns its count with no member. */
export function visitMemberCounts(encoded: Uint8Array, visit: (id: number, count: number) => void): number {
	if (encoded[0] !== COUNTED)
		throw new MemberCountFormatError(`unknown member count format ${encoded[0]} (${encoded.length} bytes)`);
	const reader = new VarintReader(
		encoded,
		1,
		() => new MemberCountFormatError(`member count vector ends inside a number (${encoded.length} bytes)`),
	);
	const none = reader.next();
	let id = -1;
	while (!reader.done) {
		id += reader.next() + 1;
		visit(id, reader.next());
	}
	return none;
}

export function decodeMemberCounts(encoded: Uint8Array): { counts: Map<number, number>; none: number } {
	const counts = new Map<number, number>();
	const none = visitMemberCounts(encoded, (id, count) => counts.set(id, count));
	return { counts, none };
}
