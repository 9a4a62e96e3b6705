import type { Accountability } from '@directus/types';
import type { Request, RequestHandler } from 'express';
import { assertCanReadAnalytics } from '../server/services/access';
import { accessScope } from '../server/services/access-scope';
import type { AnalyticsRuntime } from '../server/services/analytics-runtime';
import type { AnalyticsWindow } from '../server/query/analytics-query';
import { answerQuery } from '../server/services/answer-query';
import type { ParseContext, RawParams } from '../server/query/parse-analytics-query';
import type { QueryContext } from '../server/query/read-snapshot';
import { accountabilityOf } from '../server/services/request-accountability';
import { toDirectusError } from './to-directus-error';

/** The caller, once checked: only admins and configured roles or policies get past this. */
export function authorize(runtime: AnalyticsRuntime, req: Request): Accountability {
	const accountability = accountabilityOf(req);
	assertCanReadAnalytics(accountability, runtime.config);
	return accountability as Accountability;
}

export function parseContext(runtime: AnalyticsRuntime): ParseContext {
	return { now: Date.now(), maxWindowDays: runtime.config.maxWindowDays };
}

/** A GET route: guard, parse once, answer through the cache, time it, and log it when slow. */
export function analyticsRoute<Q extends AnalyticsWindow, R>(
	runtime: AnalyticsRuntime,
	route: string,
	parse: (params: RawParams, context: ParseContext) => Q,
	execute: (context: QueryContext, query: Q) => Promise<R>,
): RequestHandler {
	return async (req, res, next) => {
		const started = performance.now();
		try {
			const accountability = authorize(runtime, req);
			const query = parse(req.query as RawParams, parseContext(runtime));
			const answer = await answerQuery(runtime, route, accessScope(accountability), query, execute);
			const totalMs = performance.now() - started;
			res.setHeader('X-Cache', answer.cache);
			// total: our handler from guard to answer, without Directus's own middleware before it.
			res.setHeader(
				'Server-Timing',
				`db;dur=${answer.timings.dbMs.toFixed(1)}, cache;desc="${answer.cache}";dur=${answer.timings.cacheMs.toFixed(1)}, total;dur=${totalMs.toFixed(1)}`,
			);
			if (totalMs > runtime.config.slowQueryMs) {
				runtime.logger.warn(
					{ route, query: answer.normalized, ms: Math.round(totalMs), cache: answer.cache },
					'activity analytics: slow route',
				);
			}
			res.json({ data: answer.value });
		} catch (error) {
			next(toDirectusError(error));
		}
	};
}
