import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Addresses a reverse proxy or load balancer talks to Directus from: private, loopback, link-local, unique-local.
const INTERNAL = new BlockList();
for (const [network, prefix] of [
	['10.0.0.0', 8],
	['172.16.0.0', 12],
	['192.168.0.0', 16],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['100.64.0.0', 10],
] as const) {
	INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
	['fc00::', 7],
	['fe80::', 10],
	['::1', 128],
] as const) {
	INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** True for an address that no client on the internet has: a proxy's, not a user's. */
export function isInternalAddress(ip: string): boolean {
	const value = ip.trim();
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
	if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
	if (isIPv4(value)) return INTERNAL.check(value, 'ipv4');
	if (isIPv6(value)) return INTERNAL.check(value, 'ipv6');
	return false;
}

export interface AddressSample {
	/** Recent events with an IP that were looked at. */
	sampled: number;
	topIp: string | null;
	topCount: number;
}

export interface ProxyAddressFinding {
	sampled: number;
	topIp: string | null;
	/** Share of the sampled events that carry topIp, from 0 to 1. */
	topShare: number;
	/** True when nearly every recent event carries one internal address: Directus sees its proxy, not its users. */
	behindProxy: boolean;
}

/** Below this many sampled events the share says nothing. */
export const MIN_SAMPLE = 20;
/** "Nearly every event": real users behind one office NAT still leave other addresses in the sample. */
export const PROXY_SHARE = 0.9;

export function judgeProxyAddresses(sample: AddressSample): ProxyAddressFinding {
	const topShare = sample.sampled === 0 ? 0 : sample.topCount / sample.sampled;
	const behindProxy =
		sample.sampled >= MIN_SAMPLE && sample.topIp !== null && topShare >= PROXY_SHARE && isInternalAddress(sample.topIp);
	return { sampled: sample.sampled, topIp: sample.topIp, topShare, behindProxy };
}

/** The status warning for a finding, naming the setting that fixes it; null when there is nothing to say. */
export function proxyWarning(
	finding: ProxyAddressFinding,
	trustProxy: string,
): { code: 'IP_TRUST_PROXY'; message: string } | null {
	if (!finding.behindProxy) return null;
	const percent = Math.round(finding.topShare * 100);
	return {
		code: 'IP_TRUST_PROXY',
		message:
			`${percent}% of the last ${finding.sampled} events carry one internal address (${finding.topIp}): Directus sees its proxy, not its users ` +
			`(IP_TRUST_PROXY is ${trustProxy}). Set IP_TRUST_PROXY to true, or to the proxy's address or hop count, so events carry the client's IP.`,
	};
}
