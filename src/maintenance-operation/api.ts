import { defineOperationApi } from '@directus/extensions-sdk';
import { InvalidPayloadError } from '@directus/errors';
import { createAlertSinks } from '../server/services/alert-sink';
import { useAnalyticsRuntime } from '../server/services/analytics-runtime';
import {
	MaintenanceOptionsError,
	parseMaintenanceTasks,
	parsePrivacySettings,
	parseRetentionSettings,
	parseSince,
	parseViewList,
	runMaintenance,
} from '../server/services/run-maintenance';
import { createArchiveFileStore } from '../server/retention/archive-files';
import { OPERATION_ID } from '../shared/constants';
import { maintenanceOptionProblems, type MaintenanceOptionValues } from '../shared/maintenance-options';

interface MaintenanceOptions extends MaintenanceOptionValues {
	dry_run?: unknown;
	materialized_views?: unknown;
}

export default defineOperationApi<MaintenanceOptions>({
	id: OPERATION_ID,
	handler: async (options, context) => {
		try {
			const problems = maintenanceOptionProblems(options);
			if (problems.length > 0) throw new MaintenanceOptionsError(problems.join('; '));
			const tasks = parseMaintenanceTasks(options.tasks);
			const since = parseSince(options.since);
			const files = createArchiveFileStore(context as unknown as Parameters<typeof createArchiveFileStore>[0]);
			return await runMaintenance(useAnalyticsRuntime(context), tasks, createAlertSinks(context), {
				retention: parseRetentionSettings(options),
				privacy: parsePrivacySettings(options, tasks),
				views: parseViewList(options.materialized_views),
				files,
				...(since ? { since } : {}),
			});
		} catch (error) {
			if (error instanceof MaintenanceOptionsError) throw new InvalidPayloadError({ reason: error.message });
			throw error;
		}
	},
});
