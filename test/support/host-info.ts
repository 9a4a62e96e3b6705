export interface HostInfo {
	name: string;
	/** The Directus version this host runs (DIRECTUS_HOST_VERSION, or the default). */
	version: string;
	url: string;
	token: string;
	admin: { email: string; password: string };
	env: Record<string, string>;
	logFile: string;
}

declare module 'vitest' {
	export interface ProvidedContext {
		host: HostInfo;
	}
}

/** A role the test hosts let read analytics (ACTIVITY_ANALYTICS_ALLOWED_ROLES); tests create it with this id. */
export const ANALYST_ROLE_ID = '0a11a11a-0000-4000-8000-000000000001';
