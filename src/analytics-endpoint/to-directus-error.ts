import { InvalidQueryError, ServiceUnavailableError } from '@directus/errors';
import { isMigrationLocked, UNLOCK_COMMAND } from '../server/migrations/run-migrations';
import { AnalyticsQueryError } from '../server/query/query-error';
import { AnalyticsTimeoutError } from '../server/query/read-snapshot';

/** Our domain errors in Directus's error classes, so clients get its usual JSON shape and status. */
export function toDirectusError(error: unknown): unknown {
	if (error instanceof AnalyticsQueryError) return new InvalidQueryError({ reason: error.message });
	if (error instanceof AnalyticsTimeoutError)
		return new ServiceUnavailableError({ service: 'analytics', reason: error.message });
	// Another instance is migrating (or a killed one left the lock); this one retries at the next request.
	if (isMigrationLocked(error)) {
		return new ServiceUnavailableError({
			service: 'analytics',
			reason: `its migrations are running elsewhere; try again shortly (a lock left by a killed process: \`${UNLOCK_COMMAND}\`)`,
		});
	}
	return error;
}
