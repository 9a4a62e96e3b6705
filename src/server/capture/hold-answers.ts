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
			let timer: NodeJS.Timeout | undefined;
			const cap = new Promise<void>((resolve) => {
				timer = setTimeout(resolve, maxHoldMs);
			});
			void Promise.race([pending.catch(() => undefined), cap]).then(() => {
				clearTimeout(timer);
				end.apply(res, args);
			});
			return res;
		} as ResponseLike['end'];
		next();
	};
}
