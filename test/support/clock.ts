/**
 * Waits past the end of the current UTC hour when less than `marginMs` of it is left. Tests that reason about
 * "the current hour" (or today) must not straddle its end: a refresh they start would see the next one.
 */
export async function clearOfHourEnd(marginMs: number): Promise<void> {
	const left = 3_600_000 - (Date.now() % 3_600_000);
	if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}
