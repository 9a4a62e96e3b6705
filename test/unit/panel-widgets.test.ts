// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import KpiCards from '../../src/dashboard-panel/components/kpi-cards.vue';
import TopTable from '../../src/dashboard-panel/components/top-table.vue';
import {
	displayName,
	shapeActions,
	shapeBars,
	shapeKpis,
	shapeSeries,
} from '../../src/dashboard-panel/composables/shape-dashboard';
import type { OverviewAnswer } from '../../src/shared/answers';
import { buildWindowParams } from '../../src/dashboard-panel/panel-options';

const i18n = (locale = 'de-DE') => createI18n({ legacy: false, locale, fallbackLocale: 'en-US', numberFormats: {} });

const overview: OverviewAnswer = {
	from: '2026-11-01T00:00:00.000Z',
	to: '2026-11-08T00:00:00.000Z',
	current: { events: 12345, users: 40, ips: 1200, actions: { update: 7000, create: 4000, login: 1345 } },
	previous: {
		events: 10000,
		users: 50,
		ips: 1200,
		actions: {},
		from: '2026-10-25T00:00:00.000Z',
		to: '2026-11-01T00:00:00.000Z',
	},
	change: { events: 0.2345, users: -0.2, ips: 0 },
};

describe('panel data shaping', () => {
	it('turns the overview into three KPIs with their change, labelled by message key', () => {
		expect(shapeKpis(overview)).toEqual([
			{ key: 'events', label: 'events', value: 12345, change: 0.2345 },
			{ key: 'users', label: 'unique_users', value: 40, change: -0.2 },
			{ key: 'ips', label: 'unique_ips', value: 1200, change: 0 },
		]);
	});

	it('orders actions by volume and keeps breakdown keys for click filters', () => {
		expect(shapeActions(overview).labels).toEqual(['update', 'create', 'login']);
		const bars = shapeBars({
			by: 'collection',
			sort: 'events',
			rows: [
				{ key: 'orders', events: 9, users: 1, ips: 1 },
				{ key: null, events: 2, users: 0, ips: 0 },
			],
		});
		expect(bars).toEqual({ keys: ['orders', null], labels: ['orders', '(none)'], values: [9, 2] });
	});

	it('keeps bucket starts as instants for the locale to format', () => {
		const series = shapeSeries({
			interval: 'hour',
			tz: 'Europe/Berlin',
			points: [{ bucket: '2026-10-25T02:00:00+01:00', from: '', to: '', events: 3, users: 1 }],
		});
		expect(series.starts[0]!.toISOString()).toBe('2026-10-25T01:00:00.000Z');
		expect(series.events).toEqual([3]);
	});

	it('names users from what the viewer may read, else by id', () => {
		expect(displayName('u1', { first_name: 'Ada', last_name: 'Okafor' })).toBe('Ada Okafor');
		expect(displayName('u1', { email: 'ada@example.com' })).toBe('ada@example.com');
		expect(displayName('u1')).toBe('u1');
		expect(displayName(null)).toBeNull();
	});

	it('builds requests from options, then click filters, in the viewer time zone', () => {
		expect(
			buildWindowParams(
				{ range: '30d', collection: 'orders', action: 'update' },
				{ collection: null, user: null },
				'Asia/Kathmandu',
			),
		).toEqual({
			tz: 'Asia/Kathmandu',
			range: '30d',
			collection: 'orders',
			action: 'update',
		});
		expect(
			buildWindowParams(
				{ range: 'custom', from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' },
				{ collection: 'articles', user: 'u1' },
				'UTC',
			),
		).toEqual({
			tz: 'UTC',
			from: '2026-01-01T00:00:00Z',
			to: '2026-01-02T00:00:00Z',
			collection: 'articles',
			user: 'u1',
		});
		expect(buildWindowParams({}, { collection: null, user: null }, 'UTC')).toEqual({ tz: 'UTC', range: '7d' });
	});
});

describe('panel widgets', () => {
	it('KPI cards format numbers in the user locale and mark the change', () => {
		const wrapper = mount(KpiCards, { props: { kpis: shapeKpis(overview) }, global: { plugins: [i18n()] } });
		expect(wrapper.get('[data-testid="kpi-events"] .value').text()).toBe('12.345');
		expect(wrapper.get('[data-testid="kpi-events"] .value').attributes('data-value')).toBe('12345');
		expect(wrapper.get('[data-testid="kpi-events"] .change').classes()).toContain('up');
		expect(wrapper.get('[data-testid="kpi-users"] .change').classes()).toContain('down');
	});

	it('top table emits the clicked key when clickable', async () => {
		const rows = [{ key: 'u1', label: 'Ada', events: 5, second: 2 }];
		const wrapper = mount(TopTable, {
			props: { title: 'Top users', keyLabel: 'User', secondLabel: 'IPs', rows, clickable: true },
			global: { plugins: [i18n()] },
		});
		await wrapper.get('tbody tr').trigger('click');
		expect(wrapper.emitted('select')).toEqual([['u1']]);
		const empty = mount(TopTable, {
			props: { title: 'Top IPs', keyLabel: 'IP', secondLabel: 'Users', rows: [] },
			global: { plugins: [i18n()] },
		});
		expect(empty.text()).toContain('Keine Aktivität in diesem Zeitraum');
	});

	it('takes its strings from message keys: the viewer locale where the panel has it, else the app fallback (en-US)', () => {
		const props = { title: 'Top IPs', keyLabel: 'IP', secondLabel: 'Users', rows: [] };
		expect(
			mount(TopTable, { props, global: { plugins: [i18n('en-US')] } })
				.get('thead')
				.text(),
		).toContain('Events');
		expect(
			mount(TopTable, { props, global: { plugins: [i18n('de-DE')] } })
				.get('thead')
				.text(),
		).toContain('Ereignisse');
		const french = mount(TopTable, { props, global: { plugins: [i18n('fr-FR')] } });
		expect(french.get('thead').text()).toContain('Events');
		expect(french.text()).toContain('No activity in this window');
	});
});
