import { defineEndpoint } from '@directus/extensions-sdk';
import compression from 'compression';
import { useAnalyticsRuntime } from '../server/services/analytics-runtime';
import { ENDPOINT_ID } from '../shared/constants';
import { createAlertSinks } from '../server/services/alert-sink';
import { mountBreakdownRoute } from './routes/breakdown';
import { mountExportRoute } from './routes/export';
import { mountFlowRoutes } from './routes/flows';
import { mountMaintenanceRoutes } from './routes/maintenance';
import { mountOverviewRoute } from './routes/overview';
import { mountStatusRoutes } from './routes/status';
import { mountSuspiciousRoute } from './routes/suspicious';
import { mountTimelineRoute } from './routes/timeline';
import { mountTimeseriesRoute } from './routes/timeseries';
import { mountTrendingRoute } from './routes/trending';
import { mountWriterRoutes } from './routes/writer';
import { swapDepsFrom, type DirectusContextLike } from '../server/writer/swap-deps';

export default defineEndpoint({
	id: ENDPOINT_ID,
	handler: (router, context) => {
		const runtime = useAnalyticsRuntime(context);
		// NDJSON exports are as compressible as CSV, but compression's default filter does not know the type.
		router.use(
			compression({
				threshold: 1024,
				filter: (req, res) =>
					/ndjson/.test(String(res.getHeader('Content-Type') ?? '')) || compression.filter(req, res),
			}),
		);
		mountOverviewRoute(router, runtime);
		mountTimeseriesRoute(router, runtime);
		mountBreakdownRoute(router, runtime);
		mountSuspiciousRoute(router, runtime);
		mountTrendingRoute(router, runtime);
		mountTimelineRoute(router, runtime);
		mountExportRoute(router, runtime);
		mountFlowRoutes(router, runtime);
		mountStatusRoutes(router, runtime);
		mountMaintenanceRoutes(router, runtime, createAlertSinks(context));
		mountWriterRoutes(router, runtime, swapDepsFrom(context as unknown as DirectusContextLike));
	},
});
