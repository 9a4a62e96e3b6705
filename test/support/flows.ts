import { api, apiData } from './api';

/** A webhook flow (POST) with one operation; returns its id. */
export async function createWebhookFlow(
	name: string,
	accountability: string,
	operation: Record<string, unknown>,
): Promise<string> {
	const flow = await apiData<{ id: string }>('/flows', {
		method: 'POST',
		// POST: Directus's own cache could answer a repeated GET without running the flow.
		body: { name, status: 'active', trigger: 'webhook', accountability, options: { method: 'POST' } },
	});
	const created = await apiData<{ id: string }>('/operations', {
		method: 'POST',
		body: { flow: flow.id, key: 'step', name: 'Step', position_x: 19, position_y: 1, ...operation },
	});
	await apiData(`/flows/${flow.id}`, { method: 'PATCH', body: { operation: created.id } });
	return flow.id;
}

/** Runs a webhook flow `times` times, waiting first until Directus's flow manager has loaded it. */
export async function runWebhookFlow(flow: string, times: number): Promise<void> {
	// A new flow is loaded by Directus's flow manager a moment after it is saved.
	const deadline = Date.now() + 10_000;
	while ((await api(`/flows/trigger/${flow}`, { method: 'POST' })).status >= 300) {
		if (Date.now() > deadline) throw new Error(`flow ${flow} never became callable`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	for (let i = 1; i < times; i++) {
		const response = await api(`/flows/trigger/${flow}`, { method: 'POST' });
		if (response.status >= 300) throw new Error(`flow ${flow} answered ${response.status}`);
	}
}

/**
 * The documented alert recipe: a collection `inbox` with `fields`, and an active Flow with an event trigger on
 * items.create of `alerts` whose one operation copies those fields of each alert into it. Returns the flow id.
 */
export async function createAlertInbox(
	inbox: string,
	alerts: string,
	fields: Record<string, 'string' | 'integer'>,
): Promise<string> {
	if ((await api(`/collections/${inbox}`)).status !== 200)
		await apiData('/collections', {
			method: 'POST',
			body: {
				collection: inbox,
				schema: {},
				meta: {},
				fields: [
					{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true } },
					...Object.entries(fields).map(([field, type]) => ({ field, type, schema: {} })),
				],
			},
		});
	const flow = await apiData<{ id: string }>('/flows', {
		method: 'POST',
		body: {
			name: `${alerts} inbox`,
			status: 'active',
			trigger: 'event',
			accountability: 'all',
			options: { type: 'action', scope: ['items.create'], collections: [alerts] },
		},
	});
	const operation = await apiData<{ id: string }>('/operations', {
		method: 'POST',
		body: {
			flow: flow.id,
			key: 'record',
			name: 'Record',
			type: 'item-create',
			position_x: 19,
			position_y: 1,
			options: {
				collection: inbox,
				permissions: '$full',
				payload: Object.fromEntries(Object.keys(fields).map((field) => [field, `{{$trigger.payload.${field}}}`])),
			},
		},
	});
	await apiData(`/flows/${flow.id}`, { method: 'PATCH', body: { operation: operation.id } });
	return flow.id;
}
