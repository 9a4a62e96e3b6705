// The item writes the write benchmarks time, against a Directus host as the demo admin.
import { DEMO_ADMIN } from '../../scripts/host.mjs';
import { createItemCollection } from '../../scripts/demo-data/demo-schema.mjs';

export async function call(url, path, method = 'GET', body) {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: {
			authorization: `Bearer ${DEMO_ADMIN.token}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
	return text ? JSON.parse(text).data : null;
}

/** A collection of `id`, `title` and `count`, with the accountability given (null: no activity at all). */
export function createBenchCollection(url, collection, accountability) {
	return createItemCollection(url, DEMO_ADMIN.token, collection, {
		accountability,
		fields: [{ field: 'count', type: 'integer' }],
	});
}

/** `n` POSTs one after another; each one's milliseconds. */
export async function sequential(url, collection, n) {
	const latencies = [];
	for (let i = 0; i < n; i++) {
		const started = performance.now();
		await call(url, `/items/${collection}`, 'POST', { title: `item ${i}`, count: i });
		latencies.push(performance.now() - started);
	}
	return latencies;
}

/** One POST of `size` items; its milliseconds. */
export async function bulk(url, collection, size) {
	const started = performance.now();
	const keys = await call(
		url,
		`/items/${collection}?fields=id`,
		'POST',
		Array.from({ length: size }, (_, i) => ({ title: `bulk ${i}`, count: i })),
	);
	if (keys.length !== size) throw new Error(`bulk create returned ${keys.length} items`);
	return performance.now() - started;
}

/** Until the host's writer satisfies `predicate` (its /analytics/status figures). */
export async function waitForWriter(url, predicate, timeoutMs = 600_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const { writer } = await call(url, '/analytics/status');
		if (predicate(writer)) return writer;
		if (Date.now() > deadline) throw new Error(`writer did not settle: ${JSON.stringify(writer.queue)}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}
