import type { Knex } from 'knex';

/**
 * On SIGTERM/SIGINT Directus closes its server, then destroys the database pool, and only then emits
 * `server.stop` — too late to write anything. So the drain runs when the pool is asked to close, while it still
 * works. Returns a function that puts the original `destroy` back (extension reload).
 */
export function drainBeforeDatabaseCloses(database: Knex, drain: () => Promise<void>): () => void {
	const original = database.destroy;
	const patched = async function (this: Knex) {
		await drain().catch(() => undefined);
		return original.call(this);
	};
	database.destroy = patched as Knex['destroy'];
	return () => {
		if (database.destroy === (patched as Knex['destroy'])) database.destroy = original;
	};
}
