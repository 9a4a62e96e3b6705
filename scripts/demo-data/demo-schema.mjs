// A small demo schema created through Directus's REST API, so item writes produce real hook events.
import { createRandom } from './activity-model.mjs';

const id = {
	field: 'id',
	type: 'integer',
	meta: { hidden: true, readonly: true, interface: 'input' },
	schema: { is_primary_key: true, has_auto_increment: true },
};
const string = (field, extra = {}) => ({ field, type: 'string', meta: { interface: 'input', ...extra }, schema: {} });
const status = {
	field: 'status',
	type: 'string',
	meta: {
		interface: 'select-dropdown',
		options: { choices: ['draft', 'published', 'archived'].map((v) => ({ text: v, value: v })) },
	},
	schema: { default_value: 'draft' },
};

export const DEMO_SCHEMA = [
	{
		collection: 'customers',
		meta: { icon: 'person', note: 'Demo customers' },
		fields: [id, string('name'), string('email'), string('country')],
	},
	{
		collection: 'products',
		meta: { icon: 'inventory_2', note: 'Demo products' },
		fields: [
			id,
			string('name'),
			{
				field: 'price',
				type: 'decimal',
				meta: { interface: 'input' },
				schema: { numeric_precision: 10, numeric_scale: 2 },
			},
			status,
		],
	},
	{
		collection: 'articles',
		meta: { icon: 'article', note: 'Demo articles' },
		fields: [
			id,
			string('title'),
			{ field: 'body', type: 'text', meta: { interface: 'input-multiline' }, schema: {} },
			status,
		],
	},
	{
		collection: 'orders',
		meta: { icon: 'shopping_cart', note: 'Demo orders' },
		fields: [
			id,
			string('reference'),
			{ field: 'customer', type: 'integer', meta: { interface: 'input' }, schema: {} },
			{
				field: 'total',
				type: 'decimal',
				meta: { interface: 'input' },
				schema: { numeric_precision: 10, numeric_scale: 2 },
			},
			status,
		],
	},
];

/** One REST call with a bearer token; throws with the answer when it is not 2xx. */
export async function call(url, token, method, path, body) {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
	return text ? JSON.parse(text) : null;
}

/** Creates the demo collections (when missing) and a deterministic set of items. Returns item counts. */
export async function applyDemoSchema(url, token, seed = 42) {
	const existing = new Set((await call(url, token, 'GET', '/collections')).data.map((c) => c.collection));
	const created = [];
	for (const definition of DEMO_SCHEMA) {
		if (existing.has(definition.collection)) continue;
		await call(url, token, 'POST', '/collections', { ...definition, schema: {} });
		created.push(definition.collection);
	}
	if (created.length === 0) return { created, items: 0 };
	const random = createRandom(seed);
	const countries = ['DE', 'FR', 'US', 'JP', 'BR', 'IN', 'NG', 'NZ'];
	const customers = Array.from({ length: 20 }, (_, i) => ({
		name: `Customer ${i + 1}`,
		email: `customer${i + 1}@example.com`,
		country: countries[Math.floor(random() * countries.length)],
	}));
	const products = Array.from({ length: 15 }, (_, i) => ({
		name: `Product ${i + 1}`,
		price: (5 + Math.floor(random() * 9500) / 100).toFixed(2),
		status: 'published',
	}));
	const articles = Array.from({ length: 10 }, (_, i) => ({
		title: `Article ${i + 1}`,
		body: 'Lorem ipsum dolor sit amet.',
		status: i % 3 === 0 ? 'draft' : 'published',
	}));
	const orders = Array.from({ length: 30 }, (_, i) => ({
		reference: `ORD-${1000 + i}`,
		customer: 1 + Math.floor(random() * 20),
		total: (10 + Math.floor(random() * 50000) / 100).toFixed(2),
		status: 'published',
	}));
	for (const [collection, items] of Object.entries({ customers, products, articles, orders })) {
		if (created.includes(collection)) await call(url, token, 'POST', `/items/${collection}`, items);
	}
	return { created, items: customers.length + products.length + articles.length + orders.length };
}

/** Names the project owner, so Directus 12's first-run dialogs (owner, license) do not cover the demo. */
export async function completeProjectSetup(url, token, ownerEmail) {
	await call(url, token, 'PATCH', '/settings', {
		project_owner: ownerEmail,
		project_usage: 'personal',
		product_updates: false,
	});
}

/**
 * A collection with an auto-increment key and a `title` (and any `fields` more), for load tests:
 * `accountability` as Directus has it, and optionally put under the batched writer.
 */
export async function createItemCollection(
	url,
	token,
	collection,
	{ accountability = 'all', writer = false, fields = [] } = {},
) {
	await call(url, token, 'POST', '/collections', {
		collection,
		meta: { accountability },
		schema: {},
		fields: [
			{
				field: 'id',
				type: 'integer',
				meta: { hidden: true },
				schema: { is_primary_key: true, has_auto_increment: true },
			},
			{ field: 'title', type: 'string' },
			...fields,
		],
	});
	if (writer) await call(url, token, 'POST', '/analytics/writer/enable', { collections: [collection] });
}
