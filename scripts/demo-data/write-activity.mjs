// Set-based loaders for generated activity, one per dialect: PostgreSQL takes whole batches through
// unnest() arrays, MariaDB and SQLite take multi-row INSERTs inside one transaction per batch.
import { buildActors, generateActivityBatches, revisionFor } from './activity-model.mjs';

function dialectOf(knex) {
	const client = String(knex.client.config.client);
	if (client === 'pg' || client === 'postgres') return 'postgres';
	if (client.startsWith('mysql')) return 'mysql';
	return 'sqlite';
}

/** SQLite stores Directus timestamps as text 'YYYY-MM-DD HH:MM:SS' (UTC), as its CURRENT_TIMESTAMP default does. */
function sqliteTimestamp(date) {
	return date.toISOString().slice(0, 19).replace('T', ' ');
}

async function nextId(knex, table) {
	const [row] = await knex(table).max({ max: 'id' });
	return Number(row?.max ?? 0) + 1;
}

async function insertUsers(knex, users) {
	const existing = new Set(
		(
			await knex('directus_users')
				.whereIn(
					'id',
					users.map((u) => u.id),
				)
				.pluck('id')
		).map(String),
	);
	const missing = users
		.filter((u) => !existing.has(u.id))
		.map((u) => ({ ...u, status: 'active', provider: 'default' }));
	for (let i = 0; i < missing.length; i += 200) await knex('directus_users').insert(missing.slice(i, i + 200));
	return missing.length;
}

// One JSON parameter per batch: no parameter limit, and one round trip for 20k rows.
async function insertJsonRecordset(trx, table, columns, rows) {
	const names = columns.map(([name]) => `"${name}"`).join(', ');
	const definition = columns.map(([name, type]) => `"${name}" ${type}`).join(', ');
	await trx.raw(`insert into ${table} (${names}) select ${names} from json_to_recordset(?::json) as x(${definition})`, [
		JSON.stringify(rows),
	]);
}

const ACTIVITY_COLUMNS = [
	['id', 'int'],
	['action', 'text'],
	['user', 'uuid'],
	['timestamp', 'timestamptz'],
	['ip', 'text'],
	['user_agent', 'text'],
	['collection', 'text'],
	['item', 'text'],
	['origin', 'text'],
];
const REVISION_COLUMNS = [
	['id', 'int'],
	['activity', 'int'],
	['collection', 'text'],
	['item', 'text'],
	['data', 'json'],
	['delta', 'json'],
	['parent', 'int'],
];

async function insertMultiRow(trx, table, rows, chunk) {
	for (let i = 0; i < rows.length; i += chunk) await trx(table).insert(rows.slice(i, i + chunk));
}

/**
 * Generates and loads activity (and revisions when asked). Ids continue after the current maximum,
 * so an existing table is appended to. Returns counts and the elapsed time.
 */
export async function loadActivity(knex, options, onProgress = () => {}) {
	const dialect = dialectOf(knex);
	const started = performance.now();
	const actors = buildActors(options);
	const usersCreated = await insertUsers(knex, actors.users);
	const firstId = await nextId(knex, 'directus_activity');
	let revisionId = await nextId(knex, 'directus_revisions');
	let written = 0;
	let revisionsWritten = 0;
	const batchSize = dialect === 'postgres' ? 20_000 : 5_000;
	for (const batch of generateActivityBatches(options, actors, firstId, batchSize)) {
		const revisions = [];
		if (options.revisions) {
			for (const row of batch) {
				const revision = revisionFor(row, revisionId);
				if (revision) {
					revisions.push(revision);
					revisionId++;
				}
			}
		}
		await knex.transaction(async (trx) => {
			if (dialect === 'postgres') {
				await insertJsonRecordset(trx, 'directus_activity', ACTIVITY_COLUMNS, batch);
				if (revisions.length > 0) {
					const parsed = revisions.map((r) => ({ ...r, data: JSON.parse(r.data), delta: JSON.parse(r.delta) }));
					await insertJsonRecordset(trx, 'directus_revisions', REVISION_COLUMNS, parsed);
				}
			} else {
				const rows =
					dialect === 'sqlite' ? batch.map((r) => ({ ...r, timestamp: sqliteTimestamp(r.timestamp) })) : batch;
				// 9 columns x 500 rows stays under SQLite's bound-parameter limit.
				await insertMultiRow(trx, 'directus_activity', rows, dialect === 'sqlite' ? 500 : 2000);
				if (revisions.length > 0)
					await insertMultiRow(trx, 'directus_revisions', revisions, dialect === 'sqlite' ? 500 : 2000);
			}
		});
		written += batch.length;
		revisionsWritten += revisions.length;
		onProgress(written, options.rows);
	}
	if (dialect === 'postgres') {
		// Explicit ids bypass the sequences; move them past what we wrote.
		await knex.raw(
			`select setval(pg_get_serial_sequence('directus_activity', 'id'), (select max(id) from directus_activity))`,
		);
		if (revisionsWritten > 0)
			await knex.raw(
				`select setval(pg_get_serial_sequence('directus_revisions', 'id'), (select max(id) from directus_revisions))`,
			);
	}
	return {
		dialect,
		rows: written,
		revisions: revisionsWritten,
		usersCreated,
		firstId,
		lastId: firstId + written - 1,
		seconds: (performance.now() - started) / 1000,
	};
}
