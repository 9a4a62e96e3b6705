import { defineOperationApp } from '@directus/extensions-sdk';
import { OPERATION_ID } from '../shared/constants';
import { MAINTENANCE_TASKS } from '../shared/maintenance-tasks';

export default defineOperationApp({
	id: OPERATION_ID,
	name: 'Activity Maintenance',
	icon: 'manage_history',
	description: 'Maintain activity analytics: report on the activity tables (refresh and retention arrive with their issues).',
	overview: ({ tasks }) => [{ label: 'Tasks', text: (Array.isArray(tasks) ? tasks : ['report']).join(', ') }],
	options: [
		{
			field: 'tasks',
			name: 'Tasks',
			type: 'csv',
			meta: {
				width: 'full',
				interface: 'select-multiple-checkbox',
				note: 'What to run, in order. "report" returns the row count and time span of directus_activity.',
				options: { choices: MAINTENANCE_TASKS.map((task) => ({ text: task, value: task })) },
			},
			schema: { default_value: ['report'] },
		},
	],
});
