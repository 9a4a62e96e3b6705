import { definePanel } from '@directus/extensions-sdk';
import { PANEL_ID } from '../shared/constants';
import PanelComponent from './panel.vue';

export default definePanel({
	id: PANEL_ID,
	name: 'Activity Analytics',
	icon: 'monitoring',
	description: 'Activity at a glance: events, users and IPs from the activity analytics bundle.',
	component: PanelComponent,
	options: [],
	minWidth: 12,
	minHeight: 8,
});
