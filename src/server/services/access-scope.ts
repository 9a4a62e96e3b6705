import type { Accountability } from '@directus/types';

export const ADMIN_SCOPE = 'admin';

/**
 * The cache scope of a caller who may read analytics: every admin shares one; anyone let in by role or
 * policy gets a scope of exactly those, so one scope's answer is never served to another.
 */
export function accessScope(accountability: Accountability): string {
	if (accountability.admin) return ADMIN_SCOPE;
	const roles = [accountability.role, ...(accountability.roles ?? [])].filter(Boolean).sort();
	const policies = [...((accountability as Accountability & { policies?: string[] }).policies ?? [])].sort();
	return `roles:${roles.join(',')}|policies:${policies.join(',')}`;
}
