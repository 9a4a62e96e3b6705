// @vitest-environment happy-dom
import { mount, RouterLinkStub } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import FlowHealth from '../../src/dashboard-panel/components/flow-health.vue';
import KpiCards from '../../src/dashboard-panel/components/kpi-cards.vue';
import TopTable from '../../src/dashboard-panel/components/top-table.vue';
import {
	displayName,
	flowLink,
	shapeActions,
	shapeBars,
	shapeFlowFailures,
	shapeFlowRows,
	shapeKpis,
	shapeSeries,
} from '../../src/dashboard-panel/composables/shape-dashboard';
import type { FlowFailuresAnswer, FlowRow, FlowsAnswer, OverviewAnswer } from '../../src/shared/answers';
import { buildPeriodParams, buildWindowParams } from '../../src/dashboard-panel/panel-options';

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

const figures = { runs: 0, succeeded: 0, failed: 0, unknown: 0, failureRate: null };
const flowRow = (flow: string, name: string | null, runs: number, failed: number, unknown = 0): FlowRow => ({
	...figures,
	flow,
	name,
	trigger: 'webhook',
	status: 'active',
	runs,
	failed,
	unknown,
	succeeded: runs - failed - unknown,
	failureRate: runs - unknown === 0 ? null : failed / (runs - unknown),
	lastFailureAt: failed > 0 ? 1_780_000_000 : null,
	previous: figures,
	change: { runs: null, failed: null },
});
const flowsAnswer: FlowsAnswer = {
	from: 0,
	to: 1,
	previous: { from: -1, to: 0 },
	flows: [
		flowRow('f-broken', 'Sync to CRM', 4, 3),
		flowRow('f-gone', null, 2, 1),
		flowRow('f-quiet', 'Audit', 3, 0, 3),
		{ ...flowRow('f-idle', 'Idle now', 0, 0), previous: { ...figures, runs: 5, succeeded: 5, failureRate: 0 } },
	],
	totals: { ...figures, runs: 9 },
	byTrigger: [],
	durationsRecorded: false,
};
const failuresAnswer: FlowFailuresAnswer = {
	rows: [
		{
			id: 7,
			flow: 'f-broken',
			name: 'Sync to CRM',
			at: 1_780_000_000,
			operation: 'o1',
			operationType: 'request',
			stepKey: 'post_crm',
			stepStatus: 'reject',
			error: 'connect ECONNREFUSED',
		},
		{
			id: 5,
			flow: 'f-gone',
			name: null,
			at: 1_779_999_000,
			operation: null,
			operationType: null,
			stepKey: null,
			stepStatus: 'reject',
			error: null,
		},
	],
	nextCursor: null,
};

describe('panel data shaping', () => {
	it('keeps the flows that ran in the window, most failures first, and what failed where', () => {
		const rows = shapeFlowRows(flowsAnswer);
		expect(rows.map((r) => [r.flow, r.runs, r.failed, r.failureRate])).toEqual([
			['f-broken', 4, 3, 0.75],
			['f-gone', 2, 1, 0.5],
			['f-quiet', 3, 0, null],
		]);
		expect(rows[0]!.lastFailureAt?.toISOString()).toBe('2026-05-28T20:26:40.000Z');
		expect(shapeFlowRows(flowsAnswer, 1)).toHaveLength(1);
		expect(shapeFlowFailures(failuresAnswer).map((f) => [f.flow, f.step, f.error])).toEqual([
			['f-broken', 'request · post_crm', 'connect ECONNREFUSED'],
			['f-gone', null, null],
		]);
		expect(flowLink('f-broken')).toBe('/settings/flows/f-broken');
	});

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
		// The Flow routes take the window alone: activity filters would be refused there.
		expect(buildPeriodParams({ range: '24h', collection: 'orders', action: 'update' }, 'UTC')).toEqual({
			tz: 'UTC',
			range: '24h',
		});
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

	it('flow health links each flow to its page in the app and shows its failure rate in the user locale', () => {
		const wrapper = mount(FlowHealth, {
			props: { rows: shapeFlowRows(flowsAnswer), failures: shapeFlowFailures(failuresAnswer) },
			global: { plugins: [i18n()], stubs: { RouterLink: RouterLinkStub, 'v-icon': true } },
		});
		const rows = wrapper.findAll('[data-testid="flow-row"]');
		expect(rows.map((r) => r.attributes('data-flow'))).toEqual(['f-broken', 'f-gone', 'f-quiet']);
		expect(rows[0]!.findComponent(RouterLinkStub).props('to')).toBe('/settings/flows/f-broken');
		expect(rows[0]!.get('[data-testid="flow-rate"]').text()).toBe('75\u00a0%');
		// A deleted flow has no page to link to; a flow whose runs kept no revision has no rate.
		expect(rows[1]!.findComponent(RouterLinkStub).exists()).toBe(false);
		expect(rows[1]!.text()).toContain('(gelöschter Flow)');
		expect(rows[2]!.get('[data-testid="flow-rate"]').text()).toBe('—');
		const failures = wrapper.findAll('[data-testid="flow-failure"]');
		expect(failures[0]!.findComponent(RouterLinkStub).props('to')).toBe('/settings/flows/f-broken');
		expect(failures[0]!.text()).toContain('connect ECONNREFUSED');
		expect(wrapper.text()).toContain('Directus zeichnet keine Laufzeiten auf');
		const empty = mount(FlowHealth, {
			props: { rows: [], failures: [] },
			global: { plugins: [i18n('en-US')], stubs: { RouterLink: RouterLinkStub, 'v-icon': true } },
		});
		expect(empty.text()).toContain('No flow runs in this window.');
		expect(empty.text()).toContain('No failed runs in this window.');
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
