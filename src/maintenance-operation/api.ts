import { defineOperationApi } from '@directus/extensions-sdk';
import { InvalidPayloadError } from '@directus/errors';
import { createAlertSink } from '../server/alert-sink';
import { useAnalyticsRuntime } from '../server/analytics-runtime';
import { MaintenanceOptionsError, parseMaintenanceTasks, parseRetentionSettings, parseSince, parseViewList, runMaintenance } from '../server/maintenance/run-maintenance';
import { OPERATION_ID } from '../shared/constants';

interface MaintenanceOptions {
	tasks?: unknown;
	since?: unknown;
	keep_days?: unknown;
	batch_size?: unknown;
	archive?: unknown;
	dry_run?: unknown;
	materialized_views?: unknown;
}

export default defineOperationApi<MaintenanceOptions>({
	id: OPERATION_ID,
	handler: async (options, context) => {
		try {
			const tasks = parseMaintenanceTasks(options.tasks);
			const since = parseSince(options.since);
			const retention = parseRetentionSettings(options);
			return await runMaintenance(useAnalyticsRuntime(context), tasks, createAlertSink(context), { retention, views: parseViewList(options.materialized_views), ...(since ? { since } : {}) });
		} catch (error) {
			if (error instanceof MaintenanceOptionsError) throw new InvalidPayloadError({ reason: error.message });
			throw error;
		}
	},
});
