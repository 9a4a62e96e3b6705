import { setTimeout as sleep } from 'node:timers/promises';

export interface WriteLoad {
	/** Keys of the items whose create Directus acknowledged (2xx with the new key). */
	acked: number[];
	failures: number;
	stop(): Promise<void>;
}

/** `concurrency` clients creating items one at a time until stopped, counting what Directus acknowledged. */
export function startWriteLoad(url: string, token: string, collection: string, concurrency = 8): WriteLoad {
	const load = { acked: [] as number[], failures: 0 };
	let running = true;
	const workers = Array.from({ length: concurrency }, async (_, worker) => {
		for (let i = 0; running; i++) {
			try {
				const response = await fetch(`${url}/items/${collection}`, {
					method: 'POST',
					headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
					body: JSON.stringify({ title: `w${worker}-${i}` }),
					signal: AbortSignal.timeout(10_000),
				});
				if (response.ok) load.acked.push(((await response.json()) as { data: { id: number } }).data.id);
				else {
					load.failures++;
					await sleep(50);
				}
			} catch {
				load.failures++;
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
