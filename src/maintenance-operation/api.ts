import { defineOperationApi } from '@directus/extensions-sdk';
import { InvalidPayloadError } from '@directus/errors';
import { MaintenanceOptionsError, parseMaintenanceTasks, runMaintenance } from '../server/maintenance/run-maintenance';
import { OPERATION_ID } from '../shared/constants';

interface MaintenanceOptions {
	tasks?: unknown;
}

export default defineOperationApi<MaintenanceOptions>({
	id: OPERATION_ID,
	handler: async (options, { database }) => {
		try {
			return await runMaintenance(database, parseMaintenanceTasks(options.tasks));
		} catch (error) {
			if (error instanceof MaintenanceOptionsError) throw new InvalidPayloadError({ reason: error.message });
			throw error;
		}
	},
});
