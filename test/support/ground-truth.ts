import type { Knex } from 'knex';

// Ground truth, written independently of src/: plain SQL over directus_activity, and (for local-time
// buckets) JavaScript over the raw rows with Intl. Nothing here reads the rollups.

export type DialectName = 'pg' | 'mysql' | 'sqlite';

export function dialectName(db: Knex): DialectName {
	const client = String(db.client.config.client);
	return client === 'pg' ? 'pg' : client.startsWith('mysql') ? 'mysql' : 'sqlite';
}

/** Epoch seconds of the timestamp column, per dialect (SQLite holds epoch-ms integers and UTC text). */
export function epochSql(db: Knex): string {
	switch (dialectName(db)) {
		case 'pg':
			return 'floor(extract(epoch from "timestamp"))';
		case 'mysql':
			return 'floor(unix_timestamp(`timestamp`))';
		case 'sqlite':
			return `(case when typeof("timestamp") = 'integer' then "timestamp" / 1000 else cast(strftime('%s', "timestamp") as integer) end)`;
	}
}

export interface Filters {
	collection?: string[];
	action?: string[];
	user?: string[];
	origin?: string[];
}

/** A where clause for [from, to) plus filters, on the raw table. */
export function rawWhere(
	db: Knex,
	from: number,
	to: number,
	filters: Filters = {},
): { sql: string; bindings: (string | number)[] } {
	const user = dialectName(db) === 'pg' ? '"user"::text' : dialectName(db) === 'mysql' ? '`user`' : '"user"';
	const clauses = [`${epochSql(db)} >= ?`, `${epochSql(db)} < ?`];
	const bindings: (string | number)[] = [from, to];
	for (const [dim, values] of Object.entries(filters)) {
		if (!values || values.length === 0) continue;
		const column = dim === 'user' ? user : dialectName(db) === 'mysql' ? `\`${dim}\`` : `"${dim}"`;
		clauses.push(`${column} in (${values.map(() => '?').join(', ')})`);
		bindings.push(...values);
	}
	return { sql: clauses.join(' and '), bindings };
}

export async function sqlRows(
	db: Knex,
	sql: string,
	bindings: (string | number)[],
): Promise<Record<string, unknown>[]> {
	const result = await db.raw(sql, bindings);
	const name = dialectName(db);
	return name === 'pg' ? result.rows : name === 'mysql' ? result[0] : result;
}

export async function truthOverview(
	db: Knex,
	from: number,
	to: number,
	filters: Filters = {},
	table = 'directus_activity',
) {
	const where = rawWhere(db, from, to, filters);
	const q = (c: string) => (dialectName(db) === 'mysql' ? `\`${c}\`` : `"${c}"`);
	const [totals] = await sqlRows(
		db,
		`select count(*) as events, count(distinct ${q('user')}) as users, count(distinct ${q('ip')}) as ips from ${table} where ${where.sql}`,
		where.bindings,
	);
	const actions = await sqlRows(
		db,
		`select ${q('action')} as action, count(*) as n from ${table} where ${where.sql} group by ${q('action')}`,
		where.bindings,
	);
	return {
		events: Number(totals?.['events']),
		users: Number(totals?.['users']),
		ips: Number(totals?.['ips']),
		actions: Object.fromEntries(
			actions.map((r) => [String(r['action']), Number(r['n'])]).sort(([a], [b]) => String(a).localeCompare(String(b))),
		),
	};
}

/** key -> { events, users, ips } grouped by one column on the raw table. */
export async function truthBreakdown(
	db: Knex,
	by: string,
	from: number,
	to: number,
	filters: Filters = {},
	table = 'directus_activity',
) {
	const where = rawWhere(db, from, to, filters);
	const q = (c: string) => (dialectName(db) === 'mysql' ? `\`${c}\`` : `"${c}"`);
	const key = by === 'user' && dialectName(db) === 'pg' ? '"user"::text' : q(by);
	const rows = await sqlRows(
		db,
		`select ${key} as k, count(*) as events, count(distinct ${q('user')}) as users, count(distinct ${q('ip')}) as ips from ${table} where ${where.sql} group by ${key}`,
		where.bindings,
	);
	return new Map(
		rows.map((r) => [
			r['k'] === null || r['k'] === undefined ? null : String(r['k']),
			{ events: Number(r['events']), users: Number(r['users']), ips: Number(r['ips']) },
		]),
	);
}

export interface RawRow {
	id: number;
	epoch: number;
	user: string | null;
	ip: string | null;
	action: string;
	collection: string;
	origin: string | null;
	item: string;
}

export async function rawRows(db: Knex, from: number, to: number, filters: Filters = {}): Promise<RawRow[]> {
	const where = rawWhere(db, from, to, filters);
	const user = dialectName(db) === 'pg' ? '"user"::text' : dialectName(db) === 'mysql' ? '`user`' : '"user"';
	const rows = await sqlRows(
		db,
		`select id, ${epochSql(db)} as epoch, ${user} as u, ip, action, collection, origin, item from directus_activity where ${where.sql} order by id`,
		where.bindings,
	);
	return rows.map((r) => ({
		id: Number(r['id']),
		epoch: Number(r['epoch']),
		user: r['u'] === null ? null : String(r['u']),
		ip: r['ip'] === null ? null : String(r['ip']),
		action: String(r['action']),
		collection: String(r['collection']),
		origin: r['origin'] === null ? null : String(r['origin']),
		item: String(r['item']),
	}));
}

/** The local calendar bucket (as a sortable label) of an instant, computed with Intl only. */
export function localBucketLabel(
	epochSeconds: number,
	tz: string,
	interval: 'hour' | 'day' | 'week' | 'month',
): string {
	const parts = Object.fromEntries(
		formatter(tz, 'parts')
			.formatToParts(new Date(epochSeconds * 1000))
			.map((p) => [p.type, p.value]),
	);
	const offset = offsetLabel(epochSeconds, tz);
	if (interval === 'hour') return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}${offset}`;
	if (interval === 'day') return `${parts['year']}-${parts['month']}-${parts['day']}`;
	if (interval === 'month') return `${parts['year']}-${parts['month']}`;
	// ISO weeks start on Monday: step back to it on the local calendar.
	const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(String(parts['weekday']));
	const local =
		Date.UTC(Number(parts['year']), Number(parts['month']) - 1, Number(parts['day'])) - weekday * 86_400_000;
	return new Date(local).toISOString().slice(0, 10);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string, kind: 'parts' | 'offset'): Intl.DateTimeFormat {
	const key = `${tz}|${kind}`;
	let format = formatters.get(key);
	if (!format) {
		format =
			kind === 'parts'
				? new Intl.DateTimeFormat('en-US', {
						timeZone: tz,
						year: 'numeric',
						month: '2-digit',
						day: '2-digit',
						hour: '2-digit',
						hourCycle: 'h23',
						weekday: 'short',
					})
				: new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
		formatters.set(key, format);
	}
	return format;
}

/** +HH:MM offset of the zone at the instant, to tell apart the two 01:00 hours of a DST fall-back. */
function offsetLabel(epochSeconds: number, tz: string): string {
	const name = formatter(tz, 'offset')
		.formatToParts(new Date(epochSeconds * 1000))
		.find((p) => p.type === 'timeZoneName')?.value;
	return name === 'GMT' ? '+00:00' : String(name).replace('GMT', '');
}

/** Turns an API bucket label (2026-10-25T02:00:00+01:00) into the same form as localBucketLabel. */
export function apiBucketLabel(label: string, interval: 'hour' | 'day' | 'week' | 'month'): string {
	if (interval === 'hour') return `${label.slice(0, 13)}${label.slice(19)}`;
	if (interval === 'month') return label.slice(0, 7);
	return label.slice(0, 10);
}
