import type { Knex } from 'knex';

const ARCHIVE_ACTIVITY_TABLE = 'activity_analytics_archive_activity';
const ARCHIVE_REVISIONS_TABLE = 'activity_analytics_archive_revisions';
const ARCHIVE_FILES_TABLE = 'activity_analytics_archive_files';

async function isPartitioned(knex: Knex, table: string): Promise<boolean> {
	const row = (
		await knex.raw(
			`select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ? and n.nspname = current_schema()`,
			[table],
		)
	).rows[0] as { relkind: string } | undefined;
	return row?.relkind === 'p';
}

/** The month partitions (named <table>_yYYYYmMM) that hold the rows moving over, of both new tables. */
async function createMonthPartitions(
	knex: Knex,
	fromSeconds: number,
	toSeconds: number,
	parentOf: (table: string) => string,
): Promise<void> {
	const from = new Date(fromSeconds * 1000);
	for (
		let month = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
		month.getTime() <= toSeconds * 1000;
	) {
		const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
		for (const table of [ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE]) {
			const partition = `${table}_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
			await knex.raw(
				`create table if not exists ?? partition of ?? for values from ('${month.toISOString()}') to ('${next.toISOString()}')`,
				[partition, parentOf(table)],
			);
		}
		month = next;
	}
}

export const name = '20261127-007-archive-partitions';

const ACTIVITY_COLUMNS = `id bigint not null, action varchar(45) not null, "user" varchar(36), "timestamp" timestamptz not null, ip varchar(50), user_agent text, collection varchar(64) not null, item varchar(255) not null, origin varchar(255), archived_at bigint not null`;
const REVISION_COLUMNS = `id bigint not null, activity bigint not null, collection varchar(64) not null, item varchar(255) not null, data text, delta text, parent bigint, version varchar(36), "timestamp" timestamptz not null, archived_at bigint not null`;
const ACTIVITY_LIST = `id, action, "user", "timestamp", ip, user_agent, collection, item, origin, archived_at`;
const REVISION_LIST = `id, activity, collection, item, data, delta, parent, version, "timestamp", archived_at`;

/**
 * Archived revisions carry their activity's timestamp, the manifest of archive files appears, and on
 * PostgreSQL both archive tables become partitioned by month (rows already archived move over).
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(ARCHIVE_FILES_TABLE))) {
		await knex.schema.createTable(ARCHIVE_FILES_TABLE, (t) => {
			t.string('file', 36).primary();
			t.bigInteger('first_id').notNullable();
			t.bigInteger('last_id').notNullable();
			t.integer('activity_rows').notNullable();
			t.integer('revision_rows').notNullable();
			// Epoch seconds of the newest activity in the file: the file expires with it.
			t.bigInteger('newest').notNullable().index();
			t.bigInteger('created_at').notNullable();
		});
	}
	const client = String(knex.client.config.client);
	if (client !== 'pg' && client !== 'postgres') {
		if (!(await knex.schema.hasColumn(ARCHIVE_REVISIONS_TABLE, 'timestamp'))) {
			await knex.schema.alterTable(ARCHIVE_REVISIONS_TABLE, (t) =>
				t.timestamp('timestamp', { useTz: true }).nullable(),
			);
		}
		// Erasure finds a user's archived rows by this index; it may exist from an interrupted run.
		await knex.schema
			.alterTable(ARCHIVE_ACTIVITY_TABLE, (t) => t.index(['user'], 'activity_analytics_archive_activity_user'))
			.catch(() => undefined);
		return;
	}
	if (await isPartitioned(knex, ARCHIVE_ACTIVITY_TABLE)) return;
	const next = (table: string) => `${table}_next`;
	for (const table of [ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE])
		await knex.raw('drop table if exists ?? cascade', [next(table)]);
	await knex.raw(
		`create table ?? (${ACTIVITY_COLUMNS}, primary key (id, "timestamp")) partition by range ("timestamp")`,
		[next(ARCHIVE_ACTIVITY_TABLE)],
	);
	await knex.raw(
		`create table ?? (${REVISION_COLUMNS}, primary key (id, "timestamp")) partition by range ("timestamp")`,
		[next(ARCHIVE_REVISIONS_TABLE)],
	);
	// Rows archived before partitioning move over; a revision takes its activity's timestamp.
	const revisionTime = `coalesce(a."timestamp", to_timestamp(r.archived_at / 1000.0))`;
	const span = (
		await knex.raw(
			`select min(lo) as lo, max(hi) as hi from (select extract(epoch from min("timestamp")) as lo, extract(epoch from max("timestamp")) as hi from ?? union all select extract(epoch from min(${revisionTime})), extract(epoch from max(${revisionTime})) from ?? r left join ?? a on a.id = r.activity) spans`,
			[ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE, ARCHIVE_ACTIVITY_TABLE],
		)
	).rows[0] as { lo: string | null; hi: string | null };
	if (span.lo !== null && span.hi !== null) await createMonthPartitions(knex, Number(span.lo), Number(span.hi), next);
	await knex.raw(`insert into ?? (${ACTIVITY_LIST}) select ${ACTIVITY_LIST} from ??`, [
		next(ARCHIVE_ACTIVITY_TABLE),
		ARCHIVE_ACTIVITY_TABLE,
	]);
	await knex.raw(
		`insert into ?? (${REVISION_LIST}) select r.id, r.activity, r.collection, r.item, r.data, r.delta, r.parent, r.version, ${revisionTime}, r.archived_at from ?? r left join ?? a on a.id = r.activity`,
		[next(ARCHIVE_REVISIONS_TABLE), ARCHIVE_REVISIONS_TABLE, ARCHIVE_ACTIVITY_TABLE],
	);
	for (const table of [ARCHIVE_ACTIVITY_TABLE, ARCHIVE_REVISIONS_TABLE]) {
		await knex.raw('drop table ??', [table]);
		await knex.raw('alter table ?? rename to ??', [next(table), table]);
	}
	await knex.raw(`create index if not exists activity_analytics_archive_activity_user on ?? ("user")`, [
		ARCHIVE_ACTIVITY_TABLE,
	]);
	await knex.raw(`create index if not exists activity_analytics_archive_revisions_activity on ?? (activity)`, [
		ARCHIVE_REVISIONS_TABLE,
	]);
}

export async function down(knex: Knex): Promise<void> {
	const client = String(knex.client.config.client);
	if (client !== 'pg' && client !== 'postgres') {
		if (await knex.schema.hasColumn(ARCHIVE_REVISIONS_TABLE, 'timestamp'))
			await knex.schema.alterTable(ARCHIVE_REVISIONS_TABLE, (t) => t.dropColumn('timestamp'));
		await knex.schema
			.alterTable(ARCHIVE_ACTIVITY_TABLE, (t) => t.dropIndex(['user'], 'activity_analytics_archive_activity_user'))
			.catch(() => undefined);
	} else if (await isPartitioned(knex, ARCHIVE_ACTIVITY_TABLE)) {
		// Back to the plain tables of the previous migration, rows included.
		for (const [table, list, columns] of [
			[
				ARCHIVE_ACTIVITY_TABLE,
				ACTIVITY_LIST,
				ACTIVITY_COLUMNS.replace('"timestamp" timestamptz not null', '"timestamp" timestamptz'),
			],
			[
				ARCHIVE_REVISIONS_TABLE,
				REVISION_LIST.replace(', "timestamp"', ''),
				REVISION_COLUMNS.replace(', "timestamp" timestamptz not null', ''),
			],
		] as const) {
			await knex.raw(`create table ?? (${columns}, primary key (id))`, [`${table}_plain`]);
			await knex.raw(`insert into ?? (${list}) select ${list} from ??`, [`${table}_plain`, table]);
			await knex.raw(`drop table ?? cascade`, [table]);
			await knex.raw(`alter table ?? rename to ??`, [`${table}_plain`, table]);
		}
		await knex.raw(`create index on ?? ("timestamp")`, [ARCHIVE_ACTIVITY_TABLE]);
		await knex.raw(`create index on ?? (activity)`, [ARCHIVE_REVISIONS_TABLE]);
	}
	await knex.schema.dropTableIfExists(ARCHIVE_FILES_TABLE);
}
