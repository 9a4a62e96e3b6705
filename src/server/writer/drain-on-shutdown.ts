import type { Knex } from 'knex';

type Client = { destroy(callback?: unknown): Promise<void> };

/**
 * On SIGTERM/SIGINT Directus closes its server, then destroys the database pool, and only then emits
 * `server.stop` — too late to write anything. So the drain runs when the pool is asked to close, while it still
 * works. (knex.destroy itself is read-only; it calls client.destroy.) Returns a function that undoes this.
 */
export function drainBeforeDatabaseCloses(database: Knex, drain: () => Promise<void>): () => void {
	const client = database.client as Client;
	const original = client.destroy;
	const patched = async function (this: Client, callback?: unknown) {
		await drain().catch(() => undefined);
		return original.call(this, callback);
	};
	client.destroy = patched;
	return () => {
		if (client.destroy === patched) client.destroy = original;
	};
}
