// Unsigned LEB128 varints, as both member codecs store ids and counts: 7 bits per byte, high bit = more.
// Arithmetic, not bit shifts, so values past 2^31 stay exact.

export function varintLength(n: number): number {
	let length = 1;
	while (n >= 0x80) {
		n = Math.floor(n / 0x80);
		length++;
	}
	return length;
}

/** Writes `n` at `at` and returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
	while (n >= 0x80) {
		out[at++] = (n & 0x7f) | 0x80;
		n = Math.floor(n / 0x80);
	}
	out[at++] = n;
	return at;
}

/** Reads varints one after another from `at`; `truncated` builds the error for a number cut off by the end. */
export class VarintReader {
	constructor(
		private readonly bytes: Uint8Array,
		public at: number,
		private readonly truncated: () => Error,
	) {}

	get done(): boolean {
		return this.at >= this.bytes.length;
	}

	next(): number {
		let value = 0;
		let scale = 1;
		let byte: number;
		do {
			if (this.at >= this.bytes.length) throw this.truncated();
			byte = this.bytes[this.at++]!;
			value += (byte & 0x7f) * scale;
			scale *= 0x80;
		} while (byte & 0x80);
		return value;
	}
}
