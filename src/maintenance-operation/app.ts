import { defineOperationApp } from '@directus/extensions-sdk';
import { OPERATION_ID } from '../shared/constants';
import { MAINTENANCE_TASK_HELP, MAINTENANCE_TASKS } from '../shared/maintenance-tasks';

export default defineOperationApp({
	id: OPERATION_ID,
	name: 'Activity Maintenance',
	icon: 'manage_history',
	description: 'Maintain activity analytics from a Flow, usually under a schedule trigger: refresh the rollups, report on the activity table, archive-then-delete old activity, refresh statistics, analyse legacy audit triggers.',
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
			field: 'materialized_views',
			name: 'Materialized views',
			type: 'csv',
			meta: {
				width: 'full',
				interface: 'tags',
				note: 'For "refresh" (PostgreSQL): your own materialized views to refresh after the rollups, CONCURRENTLY where a unique index allows it. Each refresh and its duration appear in /analytics/status.',
			},
		},
		{
			field: 'keep_days',
			name: 'Keep days',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 1 }, note: 'For "retention": raw activity and revisions older than this go (1 to 36500). Rollups keep their history.' },
			schema: { default_value: 90 },
		},
		{
			field: 'archive',
			name: 'Archive',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'select-dropdown',
				options: { choices: [{ text: 'Archive table, then delete', value: 'archive' }, { text: 'Delete only', value: 'none' }] },
				note: 'For "retention": copy each batch into activity_analytics_archive_* before deleting it, or only delete.',
			},
			schema: { default_value: 'archive' },
		},
		{
			field: 'batch_size',
			name: 'Batch size',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 100, max: 100000 }, note: 'For "retention": rows per transaction (100 to 100000); small batches keep locks short.' },
			schema: { default_value: 5000 },
		},
		{
			field: 'dry_run',
			name: 'Dry run',
			type: 'boolean',
			meta: { width: 'half', interface: 'boolean', note: 'For "retention": only count what would go.' },
			schema: { default_value: false },
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
