import type { CacheEntry, CacheStore } from './cache-store';

export type CacheStatus = 'HIT' | 'MISS' | 'STALE';

export interface CacheStats {
	hits: number;
	misses: number;
	stale: number;
	loads: number;
	errors: number;
}

export interface CacheOptions {
	ttlSeconds: number;
	/** How long past its TTL an answer may still be served while it is recomputed. */
	staleSeconds: number;
	onError?: (error: unknown, key: string) => void;
}

/**
 * Loads each key once at a time (single flight), serves fresh entries, serves stale ones while one
 * background load replaces them (stale-while-revalidate), and counts what happened. A store failure
 * (Redis down) degrades to loading from the database, never to an error.
 */
export class AnalyticsCache {
	readonly stats: CacheStats = { hits: 0, misses: 0, stale: 0, loads: 0, errors: 0 };
	private readonly inflight = new Map<string, Promise<{ value: unknown; generation: number }>>();

	constructor(
		readonly store: CacheStore,
		private readonly options: CacheOptions,
	) {}

	async getOrLoad<T>(
		key: string,
		generation: number,
		load: () => Promise<{ value: T; generation: number }>,
	): Promise<{ value: T; status: CacheStatus }> {
		if (this.options.ttlSeconds === 0) {
			this.stats.misses++;
			return { value: (await this.loadOnce(key, load)).value as T, status: 'MISS' };
		}
		const entry = await this.read(key);
		// An entry of an older generation predates a refresh: answering it would hide what the refresh just
		// absorbed, so it is recomputed now. Stale-while-revalidate is for an expired TTL only.
		if (entry && entry.generation >= generation) {
			const age = (Date.now() - entry.storedAt) / 1000;
			if (age < this.options.ttlSeconds) {
				this.stats.hits++;
				return { value: entry.value as T, status: 'HIT' };
			}
			this.stats.stale++;
			void this.loadOnce(key, load).catch(() => undefined);
			return { value: entry.value as T, status: 'STALE' };
		}
		this.stats.misses++;
		let result = await this.loadOnce(key, load);
		// A load already under way may have started before the refresh that bumped the generation.
		if (result.generation < generation) result = await this.loadOnce(key, load);
		return { value: result.value as T, status: 'MISS' };
	}

	async clear(): Promise<number> {
		return this.store.clear();
	}

	hitRatio(): number | null {
		const served = this.stats.hits + this.stats.stale + this.stats.misses;
		return served === 0 ? null : (this.stats.hits + this.stats.stale) / served;
	}

	private async read(key: string): Promise<CacheEntry | null> {
		try {
			return await this.store.get(key);
		} catch (error) {
			this.stats.errors++;
			this.options.onError?.(error, key);
			return null;
		}
	}

	private loadOnce<T>(
		key: string,
		load: () => Promise<{ value: T; generation: number }>,
	): Promise<{ value: unknown; generation: number }> {
		const running = this.inflight.get(key);
		if (running) return running;
		const promise = (async () => {
			this.stats.loads++;
			const result = await load();
			// Jitter spreads the expiry of entries computed together.
			const ttl = (this.options.ttlSeconds + this.options.staleSeconds) * (0.9 + Math.random() * 0.2);
			try {
				await this.store.set(key, { value: result.value, generation: result.generation, storedAt: Date.now() }, ttl);
			} catch (error) {
				this.stats.errors++;
				this.options.onError?.(error, key);
			}
			return result;
		})().finally(() => this.inflight.delete(key));
		this.inflight.set(key, promise);
		return promise;
	}
}
