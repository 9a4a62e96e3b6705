import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import type { ExportQuery } from './analytics-query';
import { EVENT_COLUMNS, selectActivityRows, toActivityEvent } from './activity-rows';
import type { ActivityRow } from '../../shared/answers';

const PAGE_SIZE = 2_000;

function csvCell(value: string | number | null): string {
	if (value === null) return '';
	const text = String(value);
	// Quote when needed, and defuse spreadsheet formulas.
	const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
	return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function formatExportHeader(format: ExportQuery['format']): string {
	return format === 'csv' ? `${EVENT_COLUMNS.join(',')}\n` : '';
}

export function formatExportRow(format: ExportQuery['format'], event: ActivityRow): string {
	return format === 'csv' ? `${EVENT_COLUMNS.map((c) => csvCell(event[c])).join(',')}\n` : `${JSON.stringify(event)}\n`;
}

/**
 * Streams every event of the window in id order, a page at a time, waiting for `write` (which waits
 * for the socket to drain): memory stays flat whatever the row count.
 */
export async function streamActivityExport(
	database: Knex,
	query: ExportQuery,
	write: (chunk: string) => Promise<void>,
): Promise<number> {
	const dialect = dialectOf(database);
	await write(formatExportHeader(query.format));
	let afterId: number | null = null;
	let written = 0;
	for (;;) {
		const rows = dialect.rows(
			await selectActivityRows(database, dialect, query, { afterId, order: 'asc', limit: PAGE_SIZE }),
		);
		if (rows.length === 0) return written;
		let chunk = '';
		for (const row of rows) {
			const event = toActivityEvent(row);
			chunk += formatExportRow(query.format, event);
			afterId = event.id;
		}
		written += rows.length;
		await write(chunk);
		if (rows.length < PAGE_SIZE) return written;
	}
}
