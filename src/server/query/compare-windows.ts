/** A window in epoch seconds, [from, to). */
export interface Span {
	from: number;
	to: number;
}

/** The window of the same length that ends where `span` starts. */
export function previousSpan(span: Span): Span {
	return { from: span.from - (span.to - span.from), to: span.from };
}

/** Relative change, to four decimals, or null when there is nothing to compare with. */
export function relativeChange(current: number, previous: number): number | null {
	return previous === 0 ? null : Math.round(((current - previous) / previous) * 10_000) / 10_000;
}

/**
 * Measures the window and the one before it with the same function: the one comparison step every answer with
 * a change against the previous period goes through (as Plausible's comparison query does).
 */
export async function compareWithPrevious<T>(
	span: Span,
	measure: (span: Span) => Promise<T>,
): Promise<{ current: T; previous: T; previousSpan: Span }> {
	const before = previousSpan(span);
	// One after the other: both run on the read snapshot's single connection.
	const current = await measure({ from: span.from, to: span.to });
	const previous = await measure(before);
	return { current, previous, previousSpan: before };
}
