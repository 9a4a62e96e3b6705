import { setTimeout as sleep } from 'node:timers/promises';

export interface WriteLoad {
	/** Keys of the items whose create Directus acknowledged (2xx with the new key). */
	acked: number[];
	/** Keys of the items whose update Directus acknowledged (with `updates`: each created item is updated once). */
	updated: number[];
	/** Milliseconds each acknowledged create took, with when it finished (Date.now()). */
	latencies: { ms: number; at: number }[];
	failures: number;
	/** Why writes failed: HTTP status or error code, with how many. */
	failureReasons: Record<string, number>;
	stop(): Promise<void>;
}

/**
 * `concurrency` clients creating items one at a time until stopped, counting what Directus acknowledged. With
 * `updates`, each client also updates every item it created, right after the create was acknowledged.
 */
export function startWriteLoad(
	url: string | string[],
	token: string,
	collection: string,
	concurrency = 8,
	{ updates = false } = {},
): WriteLoad {
	// Several URLs: the workers spread over them, as behind a load balancer.
	const urls = Array.isArray(url) ? url : [url];
	const load = {
		acked: [] as number[],
		updated: [] as number[],
		latencies: [] as { ms: number; at: number }[],
		failures: 0,
		failureReasons: {} as Record<string, number>,
	};
	const fail = (reason: string) => {
		load.failures++;
		load.failureReasons[reason] = (load.failureReasons[reason] ?? 0) + 1;
	};
	let running = true;
	const workers = Array.from({ length: concurrency }, async (_, worker) => {
		for (let i = 0; running; i++) {
			const started = performance.now();
			try {
				const response = await fetch(`${urls[(worker + i) % urls.length]}/items/${collection}`, {
					method: 'POST',
					headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
					body: JSON.stringify({ title: `w${worker}-${i}` }),
					signal: AbortSignal.timeout(10_000),
				});
				if (response.ok) {
					const id = ((await response.json()) as { data: { id: number } }).data.id;
					load.acked.push(id);
					load.latencies.push({ ms: performance.now() - started, at: Date.now() });
					if (updates) {
						const update = await fetch(`${urls[(worker + i) % urls.length]}/items/${collection}/${id}`, {
							method: 'PATCH',
							headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
							body: JSON.stringify({ title: `w${worker}-${i} updated` }),
							signal: AbortSignal.timeout(10_000),
						});
						if (update.ok) load.updated.push(id);
						else fail(`update ${update.status}`);
					}
				} else {
					fail(String(response.status));
					await sleep(50);
				}
			} catch (error) {
				fail(String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name));
				await sleep(100);
			}
		}
	});
	return Object.assign(load, {
		stop: async () => {
			running = false;
			await Promise.all(workers);
		},
	});
}

/** The p-th percentile (0-100) of the latencies that finished in [from, to). */
export function percentile(
	latencies: { ms: number; at: number }[],
	p: number,
	from = 0,
	to = Number.POSITIVE_INFINITY,
): number {
	const sorted = latencies
		.filter((l) => l.at >= from && l.at < to)
		.map((l) => l.ms)
		.sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
