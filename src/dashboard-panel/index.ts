import { definePanel } from '@directus/extensions-sdk';
import { PANEL_ID } from '../shared/constants';
import { DEFAULT_WIDGETS, PANEL_WIDGETS } from './panel-options';
import PanelComponent from './panel.vue';

export default definePanel({
	id: PANEL_ID,
	name: 'Activity Analytics',
	icon: 'monitoring',
	description: 'Events, users, IPs, collections and suspicious activity from the activity analytics bundle.',
	component: PanelComponent,
	// Insights refreshes a dashboard by refetching its panels' queries (it never changes `now`). This tiny query,
	// which every app user may run, makes each refresh reach the panel as a new `data` prop.
	query: () => ({
		collection: 'directus_users',
		query: { fields: ['id'], limit: 1, filter: { id: { _eq: '$CURRENT_USER' } } },
	}),
	minWidth: 16,
	minHeight: 12,
	options: [
		{
			field: 'range',
			name: 'Window',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'select-dropdown',
				options: {
					choices: [
						{ text: 'Last 24 hours', value: '24h' },
						{ text: 'Last 7 days', value: '7d' },
						{ text: 'Last 30 days', value: '30d' },
						{ text: 'Last 90 days', value: '90d' },
						{ text: 'Custom range', value: 'custom' },
					],
				},
			},
			schema: { default_value: '7d' },
		},
		{
			field: 'interval',
			name: 'Interval',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'select-dropdown',
				options: {
					choices: [
						{ text: 'Auto', value: 'auto' },
						{ text: 'Hour', value: 'hour' },
						{ text: 'Day', value: 'day' },
						{ text: 'Week', value: 'week' },
					],
				},
			},
			schema: { default_value: 'auto' },
		},
		{
			field: 'from',
			name: 'From',
			type: 'dateTime',
			meta: {
				width: 'half',
				interface: 'datetime',
				hidden: true,
				conditions: [{ rule: { range: { _eq: 'custom' } }, hidden: false }],
			},
		},
		{
			field: 'to',
			name: 'To',
			type: 'dateTime',
			meta: {
				width: 'half',
				interface: 'datetime',
				hidden: true,
				conditions: [{ rule: { range: { _eq: 'custom' } }, hidden: false }],
			},
		},
		{
			field: 'collection',
			name: 'Collection',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'system-collection',
				options: { includeSystem: true },
				note: 'Only activity on this collection.',
			},
		},
		{
			field: 'action',
			name: 'Action',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'select-dropdown',
				options: {
					allowNone: true,
					choices: ['create', 'update', 'delete', 'login', 'run'].map((value) => ({ text: value, value })),
				},
			},
		},
		{
			field: 'widgets',
			name: 'Widgets',
			type: 'csv',
			meta: {
				width: 'full',
				interface: 'select-multiple-checkbox',
				options: { choices: PANEL_WIDGETS.map(({ value, text }) => ({ value, text })) },
			},
			schema: { default_value: DEFAULT_WIDGETS },
		},
		{
			field: 'suspiciousThreshold',
			name: 'Suspicious threshold',
			type: 'integer',
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 1 },
				note: 'Events per window that make an IP suspicious.',
			},
			schema: { default_value: 100 },
		},
		{
			field: 'suspiciousWindow',
			name: 'Suspicious window',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'select-dropdown',
				options: {
					choices: [
						{ text: '15 minutes', value: '15m' },
						{ text: '1 hour', value: '1h' },
						{ text: '1 day', value: '1d' },
					],
				},
			},
			schema: { default_value: '1h' },
		},
		{
			field: 'autoRefresh',
			name: 'Auto-refresh (seconds)',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 0 }, note: 'Reload every N seconds; 0 turns it off.' },
			schema: { default_value: 0 },
		},
	],
});
