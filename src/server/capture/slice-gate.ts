/**
 * Lets waiting captures go a few at a time, one slice per turn of the event loop. A bulk request emits a
 * thousand actions at once; preparing their revisions in one go would hold the loop (and the response to that
 * very request) for tens of milliseconds. In slices, I/O — the response — gets through in between. Order is kept.
 */
export function createSliceGate(sliceSize = 25): () => Promise<void> {
	const waiting: (() => void)[] = [];
	let scheduled = false;
	const release = () => {
		for (const resolve of waiting.splice(0, sliceSize)) resolve();
		if (waiting.length > 0) setImmediate(release);
		else scheduled = false;
	};
	return () =>
		new Promise<void>((resolve) => {
			waiting.push(resolve);
			if (!scheduled) {
				scheduled = true;
				setImmediate(release);
			}
		});
}
