import type { Knex } from 'knex';
import { ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE } from '../schema/retention-tables';

// On PostgreSQL both archive tables are partitioned by month of the activity's timestamp, so expiring a month
// of archive is a DROP TABLE, not a delete of millions of rows.
const ARCHIVE_TABLES = [ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE];

export interface MonthPartition {
	table: string;
	name: string;
	/** First day of the month, UTC, epoch seconds. */
	from: number;
	to: number;
}

function monthStart(seconds: number): Date {
	const date = new Date(seconds * 1000);
	return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

function nextMonth(date: Date): Date {
	return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}

export function partitionName(table: string, month: Date): string {
	return `${table}_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

const NAME = /_y(\d{4})m(\d{2})$/;

export async function isPartitioned(database: Knex, table: string): Promise<boolean> {
	const row = (
		await database.raw(
			`select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ? and n.nspname = current_schema()`,
			[table],
		)
	).rows[0] as { relkind: string } | undefined;
	return row?.relkind === 'p';
}

/** Creates the monthly partitions covering [fromSeconds, toSeconds] of both archive tables, where missing. */
export async function ensureMonthPartitions(
	database: Knex,
	fromSeconds: number,
	toSeconds: number,
	parentOf: (table: string) => string = (table) => table,
): Promise<string[]> {
	const created: string[] = [];
	const existing = new Set((await listMonthPartitions(database)).map((p) => p.name));
	for (let month = monthStart(fromSeconds); month.getTime() <= toSeconds * 1000; month = nextMonth(month)) {
		for (const table of ARCHIVE_TABLES) {
			const name = partitionName(table, month);
			if (existing.has(name)) continue;
			// DDL takes no bind parameters; the bounds are ISO strings we format ourselves.
			await database.raw(
				`create table if not exists ?? partition of ?? for values from ('${month.toISOString()}') to ('${nextMonth(month).toISOString()}')`,
				[name, parentOf(table)],
			);
			created.push(name);
		}
	}
	return created;
}

export async function listMonthPartitions(database: Knex): Promise<MonthPartition[]> {
	const rows = (
		await database.raw(
			`select child.relname as name, parent.relname as parent from pg_inherits i join pg_class child on child.oid = i.inhrelid join pg_class parent on parent.oid = i.inhparent join pg_namespace n on n.oid = parent.relnamespace where n.nspname = current_schema() and parent.relname in (?, ?)`,
			ARCHIVE_TABLES,
		)
	).rows as { name: string; parent: string }[];
	return rows
		.map((row) => {
			const match = NAME.exec(row.name);
			if (!match) return null;
			const month = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
			return { table: row.parent, name: row.name, from: month.getTime() / 1000, to: nextMonth(month).getTime() / 1000 };
		})
		.filter((p): p is MonthPartition => p !== null)
		.sort((a, b) => a.from - b.from || a.name.localeCompare(b.name));
}

/** Drops the partitions wholly older than `beforeSeconds`; returns them with the rows they held. */
export async function dropPartitionsBefore(
	database: Knex,
	beforeSeconds: number,
): Promise<{ name: string; rows: number }[]> {
	const dropped: { name: string; rows: number }[] = [];
	for (const partition of await listMonthPartitions(database)) {
		if (partition.to > beforeSeconds) continue;
		const [{ n } = { n: 0 }] = (await database.raw('select count(*) as n from ??', [partition.name])).rows as {
			n: string | number;
		}[];
		await database.raw('drop table if exists ??', [partition.name]);
		dropped.push({ name: partition.name, rows: Number(n) });
	}
	return dropped;
}

/** The first instant of the month `months` whole months before `now`'s month: archive before it expires. */
export function archiveCutoff(now: number, months: number): number {
	const date = new Date(now);
	return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1) / 1000;
}
