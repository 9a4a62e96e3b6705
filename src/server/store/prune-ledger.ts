import type { Knex } from 'knex';
import { WRITER_LEDGER_TABLE } from '../schema/writer-tables';

/** How long the ledger remembers a written event: far longer than any retry or claim can come late. */
export const LEDGER_KEEP_MS = 7 * 86_400_000;

/** Forgets ledger entries older than `keepMs`, a bounded batch at a time, so the ledger does not grow with history. */
export async function pruneLedger(database: Knex, keepMs = LEDGER_KEEP_MS, now = Date.now()): Promise<number> {
	let removed = 0;
	for (;;) {
		const keys = (await database(WRITER_LEDGER_TABLE)
			.where('written_at', '<', now - keepMs)
			.limit(5000)
			.pluck('event_key')) as string[];
		if (keys.length === 0) return removed;
		removed += await database(WRITER_LEDGER_TABLE).whereIn('event_key', keys).delete();
	}
}
