/**
 * Waits past the end of the current UTC hour when less than `marginMs` of it is left. Tests that reason about
 * "the current hour" (or today) must not straddle its end: a refresh they start would see the next one.
 */
export async function clearOfHourEnd(marginMs: number): Promise<void> {
	const left = 3_600_000 - (Date.now() % 3_600_000);
	// Well past the end, not just past it: a test that then dates rows a few seconds back (retention's, 1-3 s)
	// must not put them in the hour that just ended (a run at 14:59:58 waited until 15:00:01 and did).
	if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 10_000));
}
