import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import type { RollupStatus } from '../../shared/status';
import { readRollupState } from './rollup-state';
import { GAPS_TABLE } from '../schema/rollup-tables';

/** How far the rollups are behind directus_activity; every read here uses the primary key. */
export async function readRollupLag(database: Knex, now = Date.now()): Promise<RollupStatus> {
	const dialect = dialectOf(database);
	const q = (name: string) => dialect.quote(name);
	const state = await readRollupState(database);
	const [{ maxId } = { maxId: 0 }] = await database('directus_activity').max({ maxId: 'id' });
	const gapIds = (await database(GAPS_TABLE).pluck('id')).map(Number);
	const [{ above } = { above: 0 }] = await database('directus_activity')
		.where('id', '>', state.watermark)
		.count<{ above: number | string }[]>({ above: '*' });
	const filled =
		gapIds.length === 0
			? 0
			: Number(
					(
						await database('directus_activity')
							.whereIn('id', gapIds.slice(0, 1000))
							.count<{ n: number | string }[]>({ n: '*' })
					)[0]?.n ?? 0,
				);
	const oldest = dialect.rows(
		await database.raw(
			`select ${dialect.epochSeconds(q('timestamp'))} as ${q('epoch')} from ${q('directus_activity')} where ${q('id')} > ? order by ${q('id')} asc limit 1`,
			[state.watermark],
		),
	)[0];
	return {
		watermark: state.watermark,
		maxId: Number(maxId ?? 0),
		lagRows: Number(above) + filled,
		lagSeconds: oldest ? Math.max(0, Math.round(now / 1000 - Number(oldest['epoch']))) : 0,
		gapsOpen: gapIds.length,
		generation: state.generation,
		lastRefreshAt: state.lastRefreshAt ? new Date(state.lastRefreshAt).toISOString() : null,
		lastRefreshMs: state.lastRefreshMs,
		lastRefreshRows: state.lastRefreshRows,
		stalenessSeconds: state.lastRefreshAt ? Math.max(0, Math.round((now - state.lastRefreshAt) / 1000)) : null,
	};
}
