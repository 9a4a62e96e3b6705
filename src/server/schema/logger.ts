/** The part of Directus's pino logger the bundle uses (the context's `logger`). */
export interface Logger {
	info(obj: unknown, msg?: string): void;
	warn(obj: unknown, msg?: string): void;
	error(obj: unknown, msg?: string): void;
}
