import { describe, expect, it } from 'vitest';
import { anonymizeIp } from '../../src/server/privacy/anonymize-ip';

describe('anonymizeIp', () => {
	it.each([
		['203.0.113.77', '203.0.113.0'],
		['10.0.0.0', '10.0.0.0'],
		['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3::'],
		['2001:0DB8:0001:0002::1', '2001:db8:1:2::'],
		['2001:db8::1', '2001:db8:0:0::'],
		['::1', '0:0:0:0::'],
		['fe80::1:2:3:4', 'fe80:0:0:0::'],
		['::ffff:192.0.2.128', '::ffff:192.0.2.0'],
		['unknown', 'unknown'],
		['', ''],
	])('%s -> %s', (ip, expected) => {
		expect(anonymizeIp(ip)).toBe(expected);
	});

	it('is idempotent', () => {
		for (const ip of ['203.0.113.77', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '::1', '::ffff:192.0.2.128', 'x']) {
			expect(anonymizeIp(anonymizeIp(ip))).toBe(anonymizeIp(ip));
		}
	});
});
