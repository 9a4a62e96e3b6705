import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, parseConfig } from '../../src/server/schema/config';

describe('parseConfig', () => {
	it('gives working defaults with no env', () => {
		const config = parseConfig({});
		expect(config).toMatchObject({
			queue: 'memory',
			flushSize: 500,
			flushIntervalMs: 1000,
			writerCollections: 'none',
			statementTimeoutMs: 5000,
		});
	});

	it('picks the Redis queue when Directus has REDIS', () => {
		expect(parseConfig({ REDIS: 'redis://127.0.0.1:6379' }).queue).toBe('redis');
		expect(parseConfig({ REDIS: 'redis://127.0.0.1:6379', ACTIVITY_ANALYTICS_QUEUE: 'memory' }).queue).toBe('memory');
	});

	it('reads lists and the "*" wildcard for writer collections', () => {
		expect(parseConfig({ ACTIVITY_ANALYTICS_WRITER_COLLECTIONS: 'orders, articles' }).writerCollections).toEqual([
			'orders',
			'articles',
		]);
		expect(parseConfig({ ACTIVITY_ANALYTICS_WRITER_COLLECTIONS: '*' }).writerCollections).toBe('all');
	});

	it('names every bad key in one error', () => {
		let caught: unknown;
		try {
			parseConfig({
				ACTIVITY_ANALYTICS_FLUSH_SIZE: 'lots',
				ACTIVITY_ANALYTICS_QUEUE: 'kafka',
				ACTIVITY_ANALYTICS_FLUSH_INTERVAL_MS: '-5',
			});
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigError);
		const message = (caught as ConfigError).message;
		expect(message).toContain('ACTIVITY_ANALYTICS_FLUSH_SIZE="lots"');
		expect(message).toContain('ACTIVITY_ANALYTICS_QUEUE="kafka"');
		expect(message).toContain('ACTIVITY_ANALYTICS_FLUSH_INTERVAL_MS="-5"');
	});

	it('refuses sync actions the writer never sees, naming them', () => {
		expect(() => parseConfig({ ACTIVITY_ANALYTICS_SYNC_ACTIONS: 'create, login' })).toThrow(/SYNC_ACTIONS has login/);
		expect(parseConfig({ ACTIVITY_ANALYTICS_SYNC_ACTIONS: 'create,delete' }).syncActions).toEqual(['create', 'delete']);
	});

	it('raises flow alerts at half the runs failing by default, and reads or turns off the threshold', () => {
		expect(parseConfig({})).toMatchObject({ flowAlertRate: 0.5, flowAlertMinRuns: 3, flowAlertWindow: '1h' });
		expect(
			parseConfig({
				ACTIVITY_ANALYTICS_FLOW_ALERT_RATE: '0.25',
				ACTIVITY_ANALYTICS_FLOW_ALERT_MIN_RUNS: '10',
				ACTIVITY_ANALYTICS_FLOW_ALERT_WINDOW: '1d',
			}),
		).toMatchObject({ flowAlertRate: 0.25, flowAlertMinRuns: 10, flowAlertWindow: '1d' });
		expect(parseConfig({ ACTIVITY_ANALYTICS_FLOW_ALERT_RATE: 'off' }).flowAlertRate).toBeNull();
		for (const bad of ['0', '1.5', 'half', '-0.1'])
			expect(() => parseConfig({ ACTIVITY_ANALYTICS_FLOW_ALERT_RATE: bad })).toThrow(
				new RegExp(`FLOW_ALERT_RATE="${bad}" must be a share`),
			);
		expect(() => parseConfig({ ACTIVITY_ANALYTICS_FLOW_ALERT_WINDOW: '2h' })).toThrow(/FLOW_ALERT_WINDOW="2h"/);
	});

	it('keys the event stream under the cache namespace, so projects sharing a Redis stay apart', () => {
		expect(parseConfig({ CACHE_NAMESPACE: 'shop' }).streamKey).toBe('shop:activity-analytics:events');
		expect(parseConfig({}).streamKey).toBe('directus:activity-analytics:events');
	});

	it('keeps the built-in retention off by default and validates its cron and days', () => {
		expect(parseConfig({})).toMatchObject({ retentionCron: null, retentionDays: 90 });
		expect(
			parseConfig({ ACTIVITY_ANALYTICS_RETENTION_CRON: '0 3 * * *', ACTIVITY_ANALYTICS_RETENTION_DAYS: '30' }),
		).toMatchObject({ retentionCron: '0 3 * * *', retentionDays: 30 });
		expect(() =>
			parseConfig({ ACTIVITY_ANALYTICS_RETENTION_CRON: 'every night', ACTIVITY_ANALYTICS_RETENTION_DAYS: '0' }),
		).toThrow(
			/RETENTION_CRON="every night" is not a valid cron expression.*RETENTION_DAYS="0" must be an integer from 1 to 36500/,
		);
	});

	it('refuses the Redis queue without REDIS', () => {
		expect(() => parseConfig({ ACTIVITY_ANALYTICS_QUEUE: 'redis' })).toThrow(/needs Directus's REDIS/);
	});

	it('never reveals the Redis password', () => {
		const described = describeConfig(parseConfig({ REDIS: 'redis://user:hunter2@cache:6379' }));
		expect(JSON.stringify(described)).not.toContain('hunter2');
		expect(described['redis']).toBe('redis://user:***@cache:6379');
	});
});
