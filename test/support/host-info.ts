export interface HostInfo {
	name: string;
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
