import { GRAINS, type Grain, type RollupTable } from '../schema/rollup-tables';

export type Segment =
	{ kind: 'rollup'; grain: Grain; from: number; to: number } | { kind: 'raw'; from: number; to: number };

/**
 * Splits [from, to) into the coarsest whole UTC buckets of the given grains that fit (days, then hours,
 * then quarter hours) and raw edges shorter than the finest grain. Read together they cover the range exactly once.
 */
export function splitWindow(from: number, to: number, grains: readonly Grain[] = GRAINS, grainIndex = 0): Segment[] {
	if (from >= to) return [];
	const grain = grains[grainIndex];
	if (!grain) return [{ kind: 'raw', from, to }];
	const start = Math.ceil(from / grain.seconds) * grain.seconds;
	const end = Math.floor(to / grain.seconds) * grain.seconds;
	if (start >= end) return splitWindow(from, to, grains, grainIndex + 1);
	return [
		...splitWindow(from, start, grains, grainIndex + 1),
		{ kind: 'rollup', grain, from: start, to: end },
		...splitWindow(end, to, grains, grainIndex + 1),
	];
}

/**
 * splitWindow over one rollup's grains. A table whose rows are built when their bucket closes has no day rows
 * from `closed.days` on, where its hours answer, and no rows at all from `closed.hours` on, which is read raw.
 * Both boundaries are UTC hours (the first a midnight), so nothing is read twice.
 */
export function splitTableWindow(
	from: number,
	to: number,
	table: RollupTable,
	closed: { days: number; hours: number },
): Segment[] {
	if (!table.rowsOnClose) return splitWindow(from, to, table.grains);
	const hours = Math.max(closed.days, closed.hours);
	const open: Segment[] = Math.max(from, hours) < to ? [{ kind: 'raw', from: Math.max(from, hours), to }] : [];
	return [
		...splitWindow(from, Math.min(to, closed.days), table.grains),
		...splitWindow(
			Math.max(from, closed.days),
			Math.min(to, hours),
			table.grains.filter((grain) => grain.key !== 'd'),
		),
		...open,
	];
}

/** Joins touching [from, to) ranges, so SQL gets as few range tests as possible. */
export function mergeRanges(ranges: readonly { from: number; to: number }[]): { from: number; to: number }[] {
	const sorted = [...ranges].sort((a, b) => a.from - b.from);
	const merged: { from: number; to: number }[] = [];
	for (const range of sorted) {
		const last = merged[merged.length - 1];
		if (last && range.from <= last.to) last.to = Math.max(last.to, range.to);
		else merged.push({ ...range });
	}
	return merged;
}
