// A member count vector is the event count of each member (by dictionary id) in one rollup bucket, plus the
// events with no member at all (NULL user or IP). Ids ascend, so each is stored as the varint gap from the
// previous one, followed by its count as a varint: three to five bytes per member.
const COUNTED = 3;

export class MemberCountFormatError extends Error {}

function pushVarint(out: number[], n: number): void {
	while (n >= 0x80) {
		out.push((n & 0x7f) | 0x80);
		n = Math.floor(n / 0x80);
	}
	out.push(n);
}

/** Encodes positive counts by id (entries of 0 or less are left out) and the count with no member. */
export function encodeMemberCounts(counts: ReadonlyMap<number, number>, none: number): Buffer {
	const bytes: number[] = [COUNTED];
	pushVarint(bytes, Math.max(0, none));
	let previous = -1;
	for (const id of [...counts.keys()].sort((a, b) => a - b)) {
		const count = counts.get(id)!;
		if (count <= 0) continue;
		pushVarint(bytes, id - previous - 1);
		pushVarint(bytes, count);
		previous = id;
	}
	return Buffer.from(bytes);
}

/** Calls `visit` with each (id, count) of an encoded vector, and returns its count with no member. */
export function visitMemberCounts(encoded: Uint8Array, visit: (id: number, count: number) => void): number {
	if (encoded[0] !== COUNTED) throw new MemberCountFormatError(`unknown member count format ${encoded[0]} (${encoded.length} bytes)`);
	let at = 1;
	const next = (): number => {
		let value = 0;
		let scale = 1;
		let byte: number;
		do {
			if (at >= encoded.length) throw new MemberCountFormatError(`member count vector ends inside a number (${encoded.length} bytes)`);
			byte = encoded[at++]!;
			value += (byte & 0x7f) * scale;
			scale *= 0x80;
		} while (byte & 0x80);
		return value;
	};
	const none = next();
	let id = -1;
	while (at < encoded.length) {
		id += next() + 1;
		visit(id, next());
	}
	return none;
}

export function decodeMemberCounts(encoded: Uint8Array): { counts: Map<number, number>; none: number } {
	const counts = new Map<number, number>();
	const none = visitMemberCounts(encoded, (id, count) => counts.set(id, count));
	return { counts, none };
}
