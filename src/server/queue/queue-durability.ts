import type { Redis } from 'ioredis';
import type { QueueDurability } from '../../shared/status';

export interface RedisPersistence {
	appendonly: string | null;
	appendfsync: string | null;
}

/** Redis's persistence settings as it reports them; null when it will not say (CONFIG renamed or denied). */
export async function readRedisPersistence(redis: Redis, timeoutMs = 5_000): Promise<RedisPersistence | null> {
	const read = async (name: string) => {
		const reply = (await redis.call('CONFIG', 'GET', name)) as unknown;
		// RESP2 answers [name, value]; RESP3 a map.
		if (Array.isArray(reply)) return reply.length >= 2 ? String(reply[1]) : null;
		if (reply && typeof reply === 'object') return String((reply as Record<string, unknown>)[name] ?? '') || null;
		return null;
	};
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<null>((resolve) => {
		timer = setTimeout(() => resolve(null), timeoutMs);
	});
	// Our client queues no command while it connects: at start, wait for it to be ready first.
	const connected = () =>
		redis.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => redis.once('ready', () => resolve()));
	try {
		return await Promise.race([
			(async () => {
				await connected();
				return { appendonly: await read('appendonly'), appendfsync: await read('appendfsync') };
			})(),
			timeout,
		]);
	} catch {
		return null;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Whether an acknowledged event can be lost, and why. Redis keeps an acknowledged XADD through its own crash
 * only with the append-only file fsynced on every write (`appendfsync always`); `everysec` loses up to a
 * second, `no` or no AOF whatever the stream held.
 */
export function judgeDurability(
	queue: 'memory' | 'redis',
	options: { spool: boolean; sync: boolean; redis?: RedisPersistence | null },
): QueueDurability {
	if (options.sync)
		return {
			mode: 'sync',
			lossPossible: false,
			detail: 'every event is written to the database before the answer goes out',
		};
	if (queue === 'memory')
		return options.spool
			? { mode: 'spool', lossPossible: false, detail: 'events are fsynced to the local spool before the answer' }
			: {
					mode: 'memory',
					lossPossible: true,
					detail:
						'ACTIVITY_ANALYTICS_SPOOL is off: a hard kill loses the events of up to one flush interval that were answered but not written',
				};
	const persistence = options.redis ?? null;
	const base = { mode: 'redis' as const, redis: persistence };
	if (persistence === null)
		return {
			...base,
			lossPossible: true,
			detail:
				'Redis did not report its persistence (CONFIG GET refused): a Redis crash may lose events it acknowledged',
		};
	if (persistence.appendonly !== 'yes')
		return {
			...base,
			lossPossible: true,
			detail:
				'Redis keeps no append-only file (appendonly no): a Redis crash loses the events its stream held. Set appendonly yes and appendfsync always, or ACTIVITY_ANALYTICS_REQUIRE_DURABLE_QUEUE=true',
		};
	if (persistence.appendfsync !== 'always')
		return {
			...base,
			lossPossible: true,
			detail: `Redis fsyncs its append-only file ${persistence.appendfsync === 'everysec' ? 'once a second' : 'when the OS decides'} (appendfsync ${persistence.appendfsync ?? '?'}): a Redis crash can lose the events of the last moment. Set appendfsync always, or ACTIVITY_ANALYTICS_REQUIRE_DURABLE_QUEUE=true`,
		};
	return {
		...base,
		lossPossible: false,
		detail: 'Redis fsyncs its append-only file on every write (appendfsync always)',
	};
}
