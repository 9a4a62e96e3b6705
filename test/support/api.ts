import { inject } from 'vitest';

export interface ApiResponse<T = unknown> {
	status: number;
	headers: Headers;
	body: T;
}

export interface DirectusErrorBody {
	errors: { message: string; extensions: { code: string } }[];
}

/** Calls the test host's REST API; token null means the public role. */
export async function api<T = unknown>(
	path: string,
	options: { token?: string | null; method?: string; body?: unknown } = {},
): Promise<ApiResponse<T>> {
	const host = inject('host');
	const token = options.token === undefined ? host.token : options.token;
	const send = () =>
		fetch(`${host.url}${path}`, {
			method: options.method ?? 'GET',
			headers: {
				...(token ? { authorization: `Bearer ${token}` } : {}),
				...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
			},
			body: options.body === undefined ? undefined : JSON.stringify(options.body),
		});
	let response: Response;
	try {
		response = await send();
	} catch (error) {
		// A pooled keep-alive socket the server closed as the request went out: nothing reached Directus, send again.
		if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
		response = await send();
	}
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		// not JSON: keep the text
	}
	return { status: response.status, headers: response.headers, body: body as T };
}

/** Like api(), but fails the test with the answer when the status is not 2xx. */
export async function apiOk<T = unknown>(path: string, options: Parameters<typeof api>[1] = {}): Promise<T> {
	const response = await api<T>(path, options);
	if (response.status < 200 || response.status > 299) {
		throw new Error(
			`${options.method ?? 'GET'} ${path} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 500)}`,
		);
	}
	return response.body;
}

/**
 * A user with a non-admin role, logged in; returns its access token. API-only by default: Directus 12's
 * Core plan counts users with app access as seats, and the browser test needs its one seat.
 */
export async function createNonAdminUser(
	label: string,
	{ appAccess = false } = {},
): Promise<{ id: string; token: string; email: string; password: string }> {
	const suffix = `${label}-${Math.random().toString(36).slice(2, 8)}`;
	const policy = await apiOk<{ data: { id: string } }>('/policies', {
		method: 'POST',
		body: { name: `Editors ${suffix}`, icon: 'badge', admin_access: false, app_access: appAccess },
	});
	const role = await apiOk<{ data: { id: string } }>('/roles', {
		method: 'POST',
		body: { name: `Editor ${suffix}`, icon: 'badge', policies: [{ policy: policy.data.id }] },
	});
	const email = `editor-${suffix}@example.com`;
	const password = 'editor-password-1';
	const user = await apiOk<{ data: { id: string } }>('/users', {
		method: 'POST',
		body: { email, password, role: role.data.id },
	});
	const login = await apiOk<{ data: { access_token: string } }>('/auth/login', {
		method: 'POST',
		token: null,
		body: { email, password },
	});
	return { id: user.data.id, token: login.data.access_token, email, password };
}

/** Like apiOk(), unwrapped: the `data` of Directus's answer. */
export async function apiData<T = unknown>(path: string, options: Parameters<typeof api>[1] = {}): Promise<T> {
	return (await apiOk<{ data: T }>(path, options)).data;
}

/** A client of Directus's WebSocket (`/websocket`), authenticated with the admin's token; answers by uid. */
export async function openSocket(): Promise<{
	request: (message: Record<string, unknown>) => Promise<Record<string, unknown>>;
	close: () => void;
}> {
	const host = inject('host');
	const socket = new WebSocket(`${host.url.replace(/^http/, 'ws')}/websocket`);
	const waiting = new Map<string, (message: Record<string, unknown>) => void>();
	socket.addEventListener('message', (event) => {
		const message = JSON.parse(String(event.data)) as Record<string, unknown>;
		if (message['type'] === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
		const key = typeof message['uid'] === 'string' ? message['uid'] : String(message['type']);
		waiting.get(key)?.(message);
		waiting.delete(key);
	});
	await new Promise((resolve, reject) => {
		socket.addEventListener('open', resolve, { once: true });
		socket.addEventListener('error', reject, { once: true });
	});
	const answer = (key: string) => new Promise<Record<string, unknown>>((resolve) => waiting.set(key, resolve));
	const auth = answer('auth');
	socket.send(JSON.stringify({ type: 'auth', access_token: host.token }));
	if ((await auth)['status'] !== 'ok') throw new Error('WebSocket authentication failed');
	let uid = 0;
	return {
		request: (message) => {
			const key = `m${++uid}`;
			const answered = answer(key);
			socket.send(JSON.stringify({ ...message, uid: key }));
			return answered;
		},
		close: () => socket.close(),
	};
}
