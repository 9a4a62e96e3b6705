/** A one-line progress bar on stderr for long CLI runs (plain lines when stderr is not a terminal). */
export function createProgressBar(label: string, total: number): { update(done: number): void; finish(): void } {
	const stream = process.stderr;
	let lastPercent = -1;
	const started = Date.now();
	const render = (done: number) => {
		const ratio = total > 0 ? Math.min(1, done / total) : 1;
		const percent = Math.floor(ratio * 100);
		const elapsed = (Date.now() - started) / 1000;
		const rate = elapsed > 0 ? Math.round(done / elapsed) : 0;
		if (stream.isTTY) {
			const width = 30;
			const filled = Math.round(ratio * width);
			stream.write(
				`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${rate.toLocaleString('en')}/s)`,
			);
		} else if (percent >= lastPercent + 10 || percent === 100) {
			stream.write(`${label} ${percent}% ${done}/${total} (${rate}/s)\n`);
		}
		lastPercent = percent;
	};
	return {
		update: render,
		finish: () => {
			if (stream.isTTY) stream.write('\n');
		},
	};
}
