import type { Knex } from 'knex';
import { inject } from 'vitest';
import { openDatabase } from '../../scripts/host.mjs';

/** A knex connection straight to the test host's database, for ground truth. Destroy it in afterAll. */
export function openHostDatabase(): Knex {
	return openDatabase(inject('host').env) as Knex;
}

/** Epoch ms of a timestamp as the driver returns it: a Date, or SQLite's UTC text 'YYYY-MM-DD HH:MM:SS'. */
export function toEpochMs(value: unknown): number {
	if (value instanceof Date) return value.getTime();
	if (typeof value === 'number') return value;
	const text = String(value);
	return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`).getTime();
}
