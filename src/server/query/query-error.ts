/** A bad parameter; the endpoint turns it into Directus's 400 INVALID_QUERY naming the parameter. */
export class AnalyticsQueryError extends Error {
	constructor(
		readonly parameter: string,
		message: string,
	) {
		super(`Invalid query parameter "${parameter}": ${message}`);
		this.name = 'AnalyticsQueryError';
	}
}
