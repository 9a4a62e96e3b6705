import { describe, expect, it } from 'vitest';
import { holdAnswers, holdSocketAnswers } from '../../src/server/capture/hold-answers';

function answer(accountability: object | null, pending: Promise<void> | null, maxHoldMs?: number) {
	const ended: unknown[][] = [];
	const res = { end: (...args: unknown[]) => void ended.push(args) };
	const owners: object[] = [];
	const middleware = holdAnswers(() => ({ capturesOf: (owner: object) => (owners.push(owner), pending) }), maxHoldMs);
	const req = { accountability };
	let nextCalled = false;
	middleware(req, res as never, () => (nextCalled = true));
	expect(nextCalled).toBe(true);
	(res.end as (...args: unknown[]) => void)('body', 'utf8');
	return { ended, owners };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('holdAnswers', () => {
	it('ends the answer at once when the request started no capture', () => {
		const accountability = { user: 'u' };
		const { ended, owners } = answer(accountability, null);
		expect(ended).toEqual([['body', 'utf8']]);
		expect(owners).toEqual([accountability]);
	});

	it('ends the answer at once for a request without accountability, without asking the writer', () => {
		const { ended, owners } = answer(null, new Promise(() => undefined));
		expect(ended).toHaveLength(1);
		expect(owners).toHaveLength(0);
	});

	it('holds the answer until the request’s captures are handed over', async () => {
		let handOver!: () => void;
		const { ended } = answer({}, new Promise<void>((resolve) => (handOver = resolve)));
		await tick(20);
		expect(ended).toHaveLength(0);
		handOver();
		await tick();
		expect(ended).toEqual([['body', 'utf8']]);
	});

	it('lets the answer go when a capture fails', async () => {
		const { ended } = answer({}, Promise.reject(new Error('capture failed')));
		await tick();
		expect(ended).toHaveLength(1);
	});

	it('holds no longer than its cap', async () => {
		const { ended } = answer({}, new Promise(() => undefined), 30);
		await tick(10);
		expect(ended).toHaveLength(0);
		await tick(60);
		expect(ended).toHaveLength(1);
	});
});

describe('holdSocketAnswers', () => {
	function socket() {
		const sent: string[] = [];
		const pending = new Map<object, Promise<void> | null>();
		const client = { accountability: {} as object | null, send: (message: string) => void sent.push(message) };
		holdSocketAnswers(() => ({ capturesOf: (owner: object) => pending.get(owner) ?? null }), 50)(client as never);
		return { client, sent, pending };
	}

	it('sends at once while nothing of the client is pending', () => {
		const { client, sent } = socket();
		client.send('a');
		expect(sent).toEqual(['a']);
	});

	it('holds a message until the client’s captures are handed over, and keeps later messages behind it', async () => {
		const { client, sent, pending } = socket();
		let handOver!: () => void;
		pending.set(client.accountability!, new Promise<void>((resolve) => (handOver = resolve)));
		client.send('held');
		pending.delete(client.accountability!);
		client.send('after');
		await tick(10);
		expect(sent).toEqual([]);
		handOver();
		await tick();
		expect(sent).toEqual(['held', 'after']);
		client.send('later');
		expect(sent).toEqual(['held', 'after', 'later']);
	});

	it('holds no longer than its cap, and a client without accountability is never held', async () => {
		const { client, sent, pending } = socket();
		pending.set(client.accountability!, new Promise(() => undefined));
		client.send('capped');
		await tick(10);
		expect(sent).toEqual([]);
		await tick(60);
		expect(sent).toEqual(['capped']);
		client.accountability = null;
		client.send('anonymous');
		expect(sent).toEqual(['capped', 'anonymous']);
	});
});
