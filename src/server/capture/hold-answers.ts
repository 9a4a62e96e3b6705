/** What the hold needs of the writer: the captures a request's accountability started, if any are pending. */
export interface PendingCaptures {
	capturesOf(owner: object): Promise<void> | null;
}

interface RequestLike {
	accountability?: object | null;
}
interface ResponseLike {
	end: (...args: never[]) => unknown;
}

export const MAX_HOLD_MS = 5_000;

/**
 * Express middleware: Directus answers a write while our capture of it may still be on its way to the queue
 * (an update reads its snapshot first; the first write after a schema change reads our list of collections).
 * Holding `res.end` until the request's captures are handed over means an answered write survives a hard kill.
 * Never longer than `maxHoldMs`, and a failed capture releases the answer too (it is logged by the writer).
 * The writer is looked up per answer, so the middleware keeps working across extension reloads.
 */
export function holdAnswers(writerNow: () => PendingCaptures | null | undefined, maxHoldMs = MAX_HOLD_MS) {
	return (req: RequestLike, res: ResponseLike, next: () => void): void => {
		const end = res.end;
		res.end = function holdEnd(this: unknown, ...args: never[]) {
			const pending = req.accountability ? writerNow()?.capturesOf(req.accountability) : null;
			if (!pending) return end.apply(res, args);
			void settledWithin(pending, maxHoldMs).then(() => end.apply(res, args));
			return res;
		} as ResponseLike['end'];
		next();
	};
}

interface SocketLike {
	accountability?: object | null;
	send: (...args: never[]) => unknown;
}

/**
 * The same hold for Directus's WebSocket (`websocket.connect` hands us each client): a message is sent only once
 * the captures of the client's accountability are handed over. Messages queued behind a held one keep their order.
 */
export function holdSocketAnswers(writerNow: () => PendingCaptures | null | undefined, maxHoldMs = MAX_HOLD_MS) {
	return (client: SocketLike): void => {
		const send = client.send;
		let queued: Promise<void> | null = null;
		client.send = function holdSend(...args: never[]) {
			const pending = client.accountability ? writerNow()?.capturesOf(client.accountability) : null;
			if (!pending && !queued) return send.apply(client, args);
			const current: Promise<void> = (queued ?? Promise.resolve())
				.then(() => (pending ? settledWithin(pending, maxHoldMs) : undefined))
				.then(() => {
					try {
						send.apply(client, args);
					} catch {
						// The client went away while its answer was held.
					}
				});
			queued = current;
			void current.finally(() => {
				if (queued === current) queued = null;
			});
			return undefined;
		} as SocketLike['send'];
	};
}

/** Resolves when `pending` settles (either way: a failed capture is logged by the writer) or after `maxHoldMs`. */
function settledWithin(pending: Promise<void>, maxHoldMs: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const cap = new Promise<void>((resolve) => {
		timer = setTimeout(resolve, maxHoldMs);
	});
	return Promise.race([pending.catch(() => undefined), cap]).then(() => clearTimeout(timer));
}
