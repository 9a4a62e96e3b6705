import { defineOperationApp } from '@directus/extensions-sdk';
import { OPERATION_ID } from '../shared/constants';
import { MAINTENANCE_TASK_HELP, MAINTENANCE_TASKS } from '../shared/maintenance-tasks';

export default defineOperationApp({
	id: OPERATION_ID,
	name: 'Activity Maintenance',
	icon: 'manage_history',
	description: 'Maintain activity analytics from a Flow, usually under a schedule trigger: refresh the rollups, report on the activity table, analyse legacy audit triggers.',
	overview: ({ tasks }) => [{ label: 'Tasks', text: (Array.isArray(tasks) ? tasks : ['refresh']).join(', ') }],
	options: [
		{
			field: 'tasks',
			name: 'Tasks',
			type: 'csv',
			meta: {
				width: 'full',
				interface: 'select-multiple-checkbox',
				note: `What to run, in order. ${MAINTENANCE_TASKS.map((task) => `"${task}": ${MAINTENANCE_TASK_HELP[task]}`).join('; ')}.`,
				options: { choices: MAINTENANCE_TASKS.map((task) => ({ text: task, value: task })) },
			},
			schema: { default_value: ['refresh'] },
		},
		{
			field: 'since',
			name: 'Validate since',
			type: 'timestamp',
			meta: {
				width: 'half',
				interface: 'datetime',
				note: 'For "triggers-validate": compare what both recorded from this moment (when the writer was enabled). Empty: the last 24 hours.',
			},
		},
	],
});
