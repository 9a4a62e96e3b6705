import { GRAINS, HOUR_AND_DAY } from './rollup-tables';

// Distinct users and IPs per collection, one row per bucket instead of one per member: the dashboard's
// unique counts read a few kilobytes per bucket and union them in memory. See docs/rollups.md.
export const MEMBERS_TABLE = 'activity_analytics_members';
export const MEMBER_SETS_TABLE = 'activity_analytics_member_sets';
// Events per member per bucket, all collections together: the top users and IPs of a window sum a few
// vectors in memory instead of every per-member rollup row in it.
export const MEMBER_COUNTS_TABLE = 'activity_analytics_member_counts';
// Events per member per quarter hour and collection: the sub-hour ends of a window, which the hour and day
// sets and vectors leave out, read a few vectors instead of every raw row there (migration 018).
export const MEMBER_QUARTERS_TABLE = 'activity_analytics_member_quarters';

export type MemberKind = 'user' | 'ip';

/**
 * Each kind's set of a (bucket, collection) holds exactly the members of that bucket and collection in one
 * wide rollup, at its grains. `presence` is the rollup that tells fastest whether a value is still anywhere
 * (for forgetting erased ones).
 */
export const MEMBER_SOURCES: readonly { kind: MemberKind; table: string; presence: string }[] = [
	{ kind: 'user', table: 'activity_analytics_rollup_user_dims', presence: 'activity_analytics_rollup_users' },
	// Migration 010's IP-first index serves this lookup.
	{ kind: 'ip', table: 'activity_analytics_rollup_ip_dims', presence: 'activity_analytics_rollup_ip_users' },
];

/** Each kind's count vectors hold exactly the rows (events per value, '' for none) of one rollup. */
export const COUNT_SOURCES: readonly { kind: MemberKind; table: string }[] = [
	{ kind: 'user', table: 'activity_analytics_rollup_users' },
	{ kind: 'ip', table: 'activity_analytics_rollup_ips' },
];

export const MEMBER_GRAINS = HOUR_AND_DAY;
/** What a read splits a window into: the sets and vectors above, then the quarter vectors for the rest. */
export const MEMBER_READ_GRAINS = GRAINS;

export interface MemberSetKey {
	grain: string;
	bucket: number;
	collection: string;
}

export function memberSetKeyString(key: MemberSetKey): string {
	return `${key.grain}\u0000${key.bucket}\u0000${key.collection}`;
}
