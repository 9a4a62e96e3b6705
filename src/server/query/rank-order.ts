/** Orders keys as SQL's `order by n desc, key` does on a binary collation: code units, NULL as ''. */
export function compareKeys(a: string | null, b: string | null): number {
	const x = a ?? '';
	const y = b ?? '';
	return x < y ? -1 : x > y ? 1 : 0;
}

/** Highest count first, ties by key (compareKeys): how every top-N list of ours is ranked. */
export function byCountThenKey(
	[a, x]: readonly [string | null, number],
	[b, y]: readonly [string | null, number],
): number {
	return y - x || compareKeys(a, b);
}
