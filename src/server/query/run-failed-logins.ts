import type { Knex } from 'knex';
import { FAILED_LOGINS_TABLE } from '../schema/rollup-tables';
import { SUSPICIOUS_WINDOWS, type SuspiciousQuery } from './analytics-query';
import type { QueryContext } from './read-snapshot';
import { toNumber } from './source-query';
import type { FailedLoginBurst } from '../../shared/answers';

/** IPs with at least failedThreshold failed logins in one UTC-aligned window, as the hook recorded them. */
export async function runFailedLoginBursts(context: QueryContext, query: SuspiciousQuery): Promise<FailedLoginBurst[]> {
	const q = (name: string) => context.dialect.quote(name);
	const windowMs = SUSPICIOUS_WINDOWS[query.window] * 1000;
	const windowIndex = context.dialect.floorDiv(q('at'), windowMs);
	const bursts = context.dialect.rows(
		await context.db.raw(
			`select coalesce(${q('ip')}, '') as ${q('ip')}, ${windowIndex} as ${q('w')}, count(*) as ${q('n')}, min(${q('at')}) as ${q('first')}, max(${q('at')}) as ${q('last')} from ${q(FAILED_LOGINS_TABLE)} where ${q('at')} >= ? and ${q('at')} < ? group by coalesce(${q('ip')}, ''), ${windowIndex} having count(*) >= ? order by count(*) desc limit ?`,
			[query.from * 1000, query.to * 1000, query.failedThreshold, query.limit],
		),
	);
	const result: FailedLoginBurst[] = [];
	for (const burst of bursts) {
		const ip = String(burst['ip']);
		const start = toNumber(burst['w']) * windowMs;
		const from = Math.max(query.from * 1000, start);
		const to = Math.min(query.to * 1000, start + windowMs);
		const identifiers = (
			await context
				.db(FAILED_LOGINS_TABLE)
				.where((builder: Knex.QueryBuilder) => (ip === '' ? builder.whereNull('ip') : builder.where({ ip })))
				.andWhere('at', '>=', from)
				.andWhere('at', '<', to)
				.whereNotNull('identifier')
				.distinct('identifier')
				.orderBy('identifier')
		).map((row: { identifier: string }) => row.identifier);
		result.push({
			ip: ip === '' ? null : ip,
			windowStart: new Date(start).toISOString(),
			attempts: toNumber(burst['n']),
			identifiers: identifiers.slice(0, 10),
			identifierCount: identifiers.length,
			firstAt: new Date(toNumber(burst['first'])).toISOString(),
			lastAt: new Date(toNumber(burst['last'])).toISOString(),
		});
	}
	return result;
}
