import { isIPv4, isIPv6 } from 'node:net';

/**
 * An IPv4 address loses its last octet (1.2.3.4 -> 1.2.3.0), an IPv6 address everything after its /64
 * (2001:db8:1:2:3:4:5:6 -> 2001:db8:1:2::), an IPv4-mapped IPv6 address its last octet. Anything that is not
 * an address is returned as it is. Applying it twice changes nothing.
 */
export function anonymizeIp(ip: string): string {
	const value = ip.trim();
	if (isIPv4(value)) return value.replace(/\.\d+$/, '.0');
	if (!isIPv6(value)) return ip;
	const mapped = /^(.*:)(\d+\.\d+\.\d+)\.\d+$/.exec(value);
	if (mapped) return `${mapped[1]!.toLowerCase()}${mapped[2]}.0`;
	return `${expandIpv6(value).slice(0, 4).join(':')}::`;
}

/** The eight groups of an IPv6 address, without leading zeros. */
function expandIpv6(value: string): string[] {
	const [head = '', tail] = value.toLowerCase().split('::');
	const left = head === '' ? [] : head.split(':');
	const right = tail === undefined || tail === '' ? [] : tail.split(':');
	const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
	return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}
