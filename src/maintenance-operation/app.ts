import { defineOperationApp } from '@directus/extensions-sdk';
import { OPERATION_ID } from '../shared/constants';
import { maintenanceOptionProblems } from '../shared/maintenance-options';
import { MAINTENANCE_TASK_HELP, MAINTENANCE_TASKS } from '../shared/maintenance-tasks';

export default defineOperationApp({
	id: OPERATION_ID,
	name: 'Activity Maintenance',
	icon: 'manage_history',
	description:
		'Maintain activity analytics from a Flow, usually under a schedule trigger: refresh the rollups, archive-then-delete old activity, anonymize IPs, erase a user on request, manage archive partitions, refresh statistics, analyse legacy audit triggers.',
	overview: ({ tasks }) => [{ label: 'Tasks', text: (Array.isArray(tasks) ? tasks : ['refresh']).join(', ') }],
	// A function of the current values: the problems the handler would refuse are shown while editing.
	options: (values: Record<string, unknown>) => [
		...problemNotice(values),
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
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 1 },
				note: 'For "retention": raw activity and revisions older than this go (1 to 36500). Rollups keep their history.',
			},
			schema: { default_value: 90 },
		},
		{
			field: 'archive',
			name: 'Archive',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'select-dropdown',
				options: {
					choices: [
						{ text: 'Archive table, then delete', value: 'archive' },
						{ text: 'NDJSON.gz files (Directus storage), then delete', value: 'files' },
						{ text: 'Delete only', value: 'none' },
					],
				},
				note: 'For "retention": copy each batch into activity_analytics_archive_* (monthly partitions on PostgreSQL), or into a gzipped NDJSON file in the "Activity archive" folder of the file library, before deleting it; or only delete.',
			},
			schema: { default_value: 'archive' },
		},
		{
			field: 'archive_months',
			name: 'Archive months',
			type: 'integer',
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 0, max: 1200 },
				note: 'For "retention" and "partitions": archived rows and files older than this many months expire (0 keeps them). On PostgreSQL a month expires by dropping its partition.',
			},
			schema: { default_value: 24 },
		},
		{
			field: 'anonymize_days',
			name: 'Anonymize after days',
			type: 'integer',
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 1 },
				note: 'For "anonymize": IPs recorded before this many days ago (from UTC midnight) lose their last octet (IPv4) or all but their /64 (IPv6).',
			},
			schema: { default_value: 30 },
		},
		{
			field: 'erase_user',
			name: 'Erase user',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'input',
				options: { placeholder: '{{$trigger.body.user}}', font: 'monospace' },
				note: 'For "erase": the id of the user whose activity and revisions go (live, archived, rollups). Usually from the trigger, e.g. {{$trigger.body.user}}.',
			},
		},
		{
			field: 'batch_size',
			name: 'Batch size',
			type: 'integer',
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 100, max: 100000 },
				note: 'For "retention": rows per transaction (100 to 100000); small batches keep locks short.',
			},
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

function problemNotice(values: Record<string, unknown>) {
	// Values that are still templates ({{...}}) are only known when the Flow runs: skip their checks, but a
	// templated user does count as given.
	const templated = (value: unknown) => typeof value === 'string' && value.includes('{{');
	const known = Object.fromEntries(
		Object.entries(values ?? {})
			.map(([key, value]) => [
				key,
				templated(value) ? (key === 'erase_user' ? '00000000-0000-4000-8000-000000000000' : undefined) : value,
			])
			.filter(([, value]) => value !== undefined),
	);
	const problems = maintenanceOptionProblems(known);
	if (problems.length === 0) return [];
	return [
		{
			field: 'problems',
			name: 'Problems',
			type: 'alias' as const,
			meta: {
				width: 'full' as const,
				interface: 'presentation-notice',
				special: ['alias', 'no-data'],
				options: { color: 'danger', icon: 'error', text: problems.join(' ') },
			},
		},
	];
}
