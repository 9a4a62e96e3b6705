import { InvalidQueryError, ServiceUnavailableError } from '@directus/errors';
import { AnalyticsQueryError } from '../server/query/query-error';
import { AnalyticsTimeoutError } from '../server/query/read-snapshot';

/** Our domain errors in Directus's error classes, so clients get its usual JSON shape and status. */
export function toDirectusError(error: unknown): unknown {
	if (error instanceof AnalyticsQueryError) return new InvalidQueryError({ reason: error.message });
	if (error instanceof AnalyticsTimeoutError) return new ServiceUnavailableError({ service: 'analytics', reason: error.message });
	return error;
}
