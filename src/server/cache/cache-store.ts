import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

export interface CacheEntry {
	value: unknown;
	/** Rollup generation the value was computed at; an older one is stale. */
	generation: number;
	storedAt: number;
}

/** Where cached answers live: Redis (shared by every instance) or this process's memory. */
export interface CacheStore {
	readonly kind: 'redis' | 'memory';
	get(key: string): Promise<CacheEntry | null>;
	set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void>;
	clear(): Promise<number>;
}

export function createMemoryStore(maxEntries = 1_000): CacheStore {
	const lru = new LRUCache<string, CacheEntry>({ max: maxEntries, ttlAutopurge: false });
	return {
		kind: 'memory',
		get: async (key) => lru.get(key) ?? null,
		set: async (key, entry, ttlSeconds) => {
			lru.set(key, entry, { ttl: ttlSeconds * 1000 });
		},
		clear: async () => {
			const size = lru.size;
			lru.clear();
			return size;
		},
	};
}

export function createRedisStore(redis: Redis, prefix: string): CacheStore {
	return {
		kind: 'redis',
		get: async (key) => {
			const raw = await redis.get(prefix + key);
			return raw ? (JSON.parse(raw) as CacheEntry) : null;
		},
		set: async (key, entry, ttlSeconds) => {
			await redis.set(prefix + key, JSON.stringify(entry), 'EX', Math.max(1, Math.round(ttlSeconds)));
		},
		clear: async () => {
			let cursor = '0';
			let removed = 0;
			do {
				const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
				cursor = next;
				if (keys.length > 0) removed += await redis.unlink(...keys);
			} while (cursor !== '0');
			return removed;
		},
	};
}
