import { ForbiddenError, InvalidPayloadError } from '@directus/errors';
import { toDirectusError } from '../to-directus-error';
import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import {
	disableWriter,
	enableWriter,
	listWriterCollections,
	WriterCollectionsError,
	type SwapDeps,
} from '../../server/writer/swap-collections';
import { authorize } from '../analytics-route';

/** The collections list of a request body: an array of names, or "*" for every user collection. */
function requestedCollections(body: unknown): string[] | 'all' {
	const value = (body as { collections?: unknown } | null)?.collections;
	if (value === '*') return 'all';
	if (Array.isArray(value) && value.length > 0 && value.every((c) => typeof c === 'string' && c.length > 0))
		return value as string[];
	throw new InvalidPayloadError({ reason: '"collections" must be a non-empty array of collection names, or "*"' });
}

/**
 * GET /writer lists the collections under the writer; POST /writer/enable and /writer/disable swap them, in
 * this process, so its schema cache changes at once even without Redis (the CLI does the same from outside).
 */
export function mountWriterRoutes(router: Router, runtime: AnalyticsRuntime, swap: SwapDeps): void {
	router.get('/writer', async (req, res, next) => {
		try {
			if (!authorize(runtime, req).admin) throw new ForbiddenError();
			await runtime.ready;
			res.json({ data: await listWriterCollections(runtime.database) });
		} catch (error) {
			next(toDirectusError(error));
		}
	});
	for (const command of ['enable', 'disable'] as const) {
		router.post(`/writer/${command}`, async (req, res, next) => {
			try {
				if (!authorize(runtime, req).admin) throw new ForbiddenError();
				const requested = requestedCollections(req.body);
				await runtime.ready;
				res.json({
					data: command === 'enable' ? await enableWriter(swap, requested) : await disableWriter(swap, requested),
				});
			} catch (error) {
				next(error instanceof WriterCollectionsError ? new InvalidPayloadError({ reason: error.message }) : error);
			}
		});
	}
}
