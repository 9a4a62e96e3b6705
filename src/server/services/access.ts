import type { Accountability } from '@directus/types';
import { ForbiddenError } from '@directus/errors';
import type { AnalyticsConfig } from '../schema/config';

/** Admins, plus the roles or policies the config names, may read analytics. */
export function canReadAnalytics(accountability: Accountability | null | undefined, config: AnalyticsConfig): boolean {
	if (!accountability?.user) return false;
	if (accountability.admin) return true;
	const roles = [accountability.role, ...(accountability.roles ?? [])].filter((r): r is string => Boolean(r));
	if (roles.some((role) => config.allowedRoles.includes(role))) return true;
	const policies = (accountability as Accountability & { policies?: string[] }).policies ?? [];
	return policies.some((policy) => config.allowedPolicies.includes(policy));
}

/** Throws Directus's ForbiddenError (403, same body as core) for anyone who may not read analytics. */
export function assertCanReadAnalytics(
	accountability: Accountability | null | undefined,
	config: AnalyticsConfig,
): void {
	if (!canReadAnalytics(accountability, config)) throw new ForbiddenError();
}
