import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { WriterCollections, type Accountability } from '../../src/server/writer/writer-collections';

/** Our table as rows, read through the one query WriterCollections makes; counts the reads and can fail them. */
function writerTable(rows: { collection: string; original_accountability: Accountability }[]) {
	const state = { rows, reads: 0, failNext: 0 };
	const database = (() => ({
		select: async () => {
			state.reads++;
			if (state.failNext > 0) {
				state.failNext--;
				throw new Error('database away');
			}
			await new Promise((resolve) => setTimeout(resolve, 5));
			return state.rows.map((r) => ({ ...r }));
		},
	})) as unknown as Knex;
	const failures: number[] = [];
	const collections = new WriterCollections(database, async () => undefined, {
		retryDelaysMs: [1, 1],
		onLoadFailed: (_error, attempts) => failures.push(attempts),
	});
	return { state, collections, failures };
}

function schema(untracked: string[], tracked: string[] = ['posts']) {
	const collections: Record<string, { accountability: Accountability }> = {};
	for (const name of tracked) collections[name] = { accountability: 'all' };
	for (const name of untracked) collections[name] = { accountability: null };
	return { collections };
}

describe('WriterCollections', () => {
	it('reads its table once for every copy of the same schema (Directus deep-copies it per request)', async () => {
		const { state, collections } = writerTable([{ collection: 'articles', original_accountability: 'all' }]);
		expect(await collections.originalFor('articles', schema(['articles']))).toBe('all');
		expect(await collections.originalFor('articles', schema(['articles']))).toBe('all');
		expect(await collections.originalFor('articles', structuredClone(schema(['articles'])))).toBe('all');
		expect(state.reads).toBe(1);
	});

	it('shares one read between the events of a burst that see a new schema', async () => {
		const { state, collections } = writerTable([{ collection: 'articles', original_accountability: 'activity' }]);
		const answers = await Promise.all(
			Array.from({ length: 20 }, () => collections.originalFor('articles', schema(['articles']))),
		);
		expect(answers).toEqual(Array.from({ length: 20 }, () => 'activity'));
		expect(state.reads).toBe(1);
	});

	it('reads again when the set of untracked collections changes, and sees a collection enabled since', async () => {
		const { state, collections } = writerTable([{ collection: 'articles', original_accountability: 'all' }]);
		expect(await collections.originalFor('notes', schema(['articles', 'notes']))).toBeUndefined();
		// enable(notes) writes its row before it turns native tracking off, so the next schema finds it.
		state.rows.push({ collection: 'notes', original_accountability: 'activity' });
		expect(await collections.originalFor('notes', schema(['articles', 'notes'], ['posts', 'extra']))).toBeUndefined();
		expect(state.reads).toBe(1);
		expect(await collections.originalFor('notes', schema(['articles', 'notes', 'logs']))).toBe('activity');
		expect(state.reads).toBe(2);
	});

	it('asks nothing for a collection Directus still tracks itself', async () => {
		const { state, collections } = writerTable([{ collection: 'posts', original_accountability: 'all' }]);
		expect(await collections.originalFor('posts', schema([]))).toBeUndefined();
		expect(state.reads).toBe(0);
	});

	it('retries a failed read before the event is judged, so a newly enabled collection is not missed', async () => {
		const { state, collections, failures } = writerTable([{ collection: 'articles', original_accountability: 'all' }]);
		expect(await collections.originalFor('articles', schema(['articles']))).toBe('all');
		state.rows.push({ collection: 'notes', original_accountability: 'all' });
		state.failNext = 2;
		expect(await collections.originalFor('notes', schema(['articles', 'notes']))).toBe('all');
		expect(state.reads).toBe(4);
		expect(failures).toEqual([]);
	});

	it('keeps the last list when every retry fails, reports it, and tries again at the next event', async () => {
		const { state, collections, failures } = writerTable([{ collection: 'articles', original_accountability: 'all' }]);
		expect(await collections.originalFor('articles', schema(['articles']))).toBe('all');
		state.rows.push({ collection: 'notes', original_accountability: 'all' });
		state.failNext = 3;
		expect(await collections.originalFor('notes', schema(['articles', 'notes']))).toBeUndefined();
		expect(failures).toEqual([3]);
		expect(await collections.originalFor('notes', schema(['articles', 'notes']))).toBe('all');
		expect(state.reads).toBe(5);
	});
});
