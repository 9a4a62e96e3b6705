import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseExportQuery } from '../../server/query/parse-analytics-query';
import { streamActivityExport } from '../../server/query/stream-export';
import { authorize, parseContext } from '../analytics-route';
import { toDirectusError } from '../to-directus-error';

export function mountExportRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/export', async (req, res, next) => {
		let started = false;
		try {
			authorize(runtime, req);
			const query = parseExportQuery(req.query as Record<string, unknown>, parseContext(runtime));
			await runtime.ready;
			const stamp = new Date(query.from * 1000).toISOString().slice(0, 10);
			res.setHeader(
				'Content-Type',
				query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
			);
			res.setHeader('Content-Disposition', `attachment; filename="activity-${stamp}.${query.format}"`);
			res.setHeader('X-Cache', 'MISS');
			started = true;
			// Wait for the socket to drain between pages: memory stays flat however large the export. One listener
			// for the whole export: under compression, res.once('drain') lands on the gzip stream and is never
			// removed from it, so a listener a page piled up there (MaxListenersExceededWarning).
			let waiting: { resolve: () => void; reject: (error: Error) => void } | null = null;
			const settle = (error?: Error) => {
				const current = waiting;
				waiting = null;
				if (error) current?.reject(error);
				else current?.resolve();
			};
			res.on('drain', () => settle());
			res.once('close', () => settle(new Error('client went away')));
			const write = (chunk: string) =>
				new Promise<void>((resolve, reject) => {
					if (res.destroyed) return reject(new Error('client went away'));
					if (res.write(chunk)) resolve();
					else waiting = { resolve, reject };
				});
			await streamActivityExport(runtime.database, query, write);
			res.end();
		} catch (error) {
			if (started) {
				runtime.logger.warn(
					{ err: error instanceof Error ? error.message : String(error) },
					'activity analytics: export stopped',
				);
				res.destroy();
			} else next(toDirectusError(error));
		}
	});
}
