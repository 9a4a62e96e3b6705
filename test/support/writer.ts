import { expect } from 'vitest';
import type { WriterStatusFigures } from '../../src/shared/status';
import { apiData, apiOk } from './api';

/** Waits until the answering instance's writer holds nothing: no capture in flight, an empty queue. */
export async function waitForWriterIdle(timeoutMs = 30_000): Promise<WriterStatusFigures> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const { writer } = await apiData<{ writer: WriterStatusFigures }>('/analytics/status');
		if (writer.inFlight === 0 && writer.queue.depth === 0 && (writer.queue.pending ?? 0) === 0) return writer;
		if (Date.now() > deadline) expect.fail(`writer still busy after ${timeoutMs} ms: ${JSON.stringify(writer.queue)}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** A collection with an integer key, two plain fields and an O2M `lines` to `<name>_lines` (label, parent M2O). */
export async function createTrackedPair(name: string, accountability: 'all' | 'activity' = 'all'): Promise<void> {
	const field = (f: string, type: string, extra: object = {}) => ({ field: f, type, ...extra });
	const pk = field('id', 'integer', {
		meta: { hidden: true },
		schema: { is_primary_key: true, has_auto_increment: true },
	});
	await apiOk('/collections', {
		method: 'POST',
		body: {
			collection: name,
			meta: { accountability },
			schema: {},
			fields: [pk, field('title', 'string'), field('count', 'integer')],
		},
	});
	await apiOk('/collections', {
		method: 'POST',
		body: {
			collection: `${name}_lines`,
			meta: { accountability },
			schema: {},
			fields: [pk, field('label', 'string'), field('parent', 'integer', { meta: { special: ['m2o'] } })],
		},
	});
	await apiOk('/fields/' + name, {
		method: 'POST',
		body: { field: 'lines', type: 'alias', meta: { special: ['o2m'], interface: 'list-o2m' } },
	});
	await apiOk('/relations', {
		method: 'POST',
		body: {
			collection: `${name}_lines`,
			field: 'parent',
			related_collection: name,
			meta: { one_field: 'lines' },
			schema: { on_delete: 'SET NULL' },
		},
	});
}
