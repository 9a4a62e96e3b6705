import { describe, expect, it } from 'vitest';
import { isInternalAddress, judgeProxyAddresses, proxyWarning } from '../../src/server/services/proxy-address';

describe('proxy address check', () => {
	it('tells internal addresses (private, loopback, link-local, unique-local, mapped) from public ones', () => {
		for (const ip of [
			'10.1.2.3',
			'172.16.0.1',
			'172.31.255.255',
			'192.168.1.10',
			'127.0.0.1',
			'169.254.3.4',
			'100.64.0.1',
			'::1',
			'fd12:3456::1',
			'fe80::1',
			'::ffff:10.0.0.5',
		]) {
			expect(isInternalAddress(ip), ip).toBe(true);
		}
		for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:db8::1', '::ffff:8.8.8.8', 'not-an-ip', '']) {
			expect(isInternalAddress(ip), ip).toBe(false);
		}
	});

	it('finds a proxy only when nearly every sampled event carries one internal address', () => {
		expect(judgeProxyAddresses({ sampled: 1000, topIp: '10.0.0.2', topCount: 950 }).behindProxy).toBe(true);
		expect(judgeProxyAddresses({ sampled: 1000, topIp: '10.0.0.2', topCount: 899 }).behindProxy).toBe(false);
		expect(judgeProxyAddresses({ sampled: 1000, topIp: '203.0.113.9', topCount: 1000 }).behindProxy).toBe(false);
		expect(judgeProxyAddresses({ sampled: 10, topIp: '10.0.0.2', topCount: 10 }).behindProxy).toBe(false);
		expect(judgeProxyAddresses({ sampled: 0, topIp: null, topCount: 0 })).toEqual({
			sampled: 0,
			topIp: null,
			topShare: 0,
			behindProxy: false,
		});
	});

	it('names the address, the share and the setting in its warning', () => {
		const warning = proxyWarning(judgeProxyAddresses({ sampled: 200, topIp: '10.0.0.2', topCount: 199 }), 'false');
		expect(warning?.code).toBe('IP_TRUST_PROXY');
		expect(warning?.message).toMatch(/100% of the last 200 events .*10\.0\.0\.2.*IP_TRUST_PROXY is false/);
		expect(proxyWarning(judgeProxyAddresses({ sampled: 200, topIp: '8.8.8.8', topCount: 200 }), 'false')).toBeNull();
	});
});
