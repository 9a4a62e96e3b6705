import { ENV_PREFIX } from '../shared/constants';

/** Everything the bundle reads from env, parsed and validated once at start. */
export interface AnalyticsConfig {
	queue: 'memory' | 'redis';
	redisUrl: string | null;
	flushSize: number;
	flushIntervalMs: number;
	queueMaxSize: number;
	writerCollections: 'all' | 'none' | string[];
	syncActions: string[];
	allowedRoles: string[];
	allowedPolicies: string[];
	statementTimeoutMs: number;
	slowQueryMs: number;
	cacheTtlSeconds: number;
}

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid activity analytics configuration: ${problems.join('; ')}`);
		this.name = 'ConfigError';
	}
}

type Env = Record<string, unknown>;

function readList(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	if (Array.isArray(value)) return value.map(String).map((v) => v.trim()).filter(Boolean);
	return String(value)
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);
}

function readInteger(env: Env, key: string, fallback: number, min: number, max: number, problems: string[]): number {
	const raw = env[ENV_PREFIX + key];
	if (raw === undefined || raw === null || raw === '') return fallback;
	const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
	if (!Number.isInteger(value) || value < min || value > max) {
		problems.push(`${ENV_PREFIX}${key}="${String(raw)}" must be an integer from ${min} to ${max}`);
		return fallback;
	}
	return value;
}

/** Parses ACTIVITY_ANALYTICS_* (and Directus's REDIS) into a config, or throws one ConfigError naming every bad key. */
export function parseConfig(env: Env): AnalyticsConfig {
	const problems: string[] = [];
	const redisUrl = typeof env['REDIS'] === 'string' && env['REDIS'] !== '' ? env['REDIS'] : null;

	const queueRaw = String(env[`${ENV_PREFIX}QUEUE`] ?? 'auto').trim();
	let queue: AnalyticsConfig['queue'] = redisUrl ? 'redis' : 'memory';
	if (queueRaw === 'memory') queue = 'memory';
	else if (queueRaw === 'redis') {
		if (!redisUrl) problems.push(`${ENV_PREFIX}QUEUE="redis" needs Directus's REDIS to be set`);
		queue = 'redis';
	} else if (queueRaw !== 'auto') problems.push(`${ENV_PREFIX}QUEUE="${queueRaw}" must be auto, memory or redis`);

	const collectionsRaw = readList(env[`${ENV_PREFIX}WRITER_COLLECTIONS`]);
	const writerCollections: AnalyticsConfig['writerCollections'] =
		collectionsRaw.length === 0 || (collectionsRaw.length === 1 && collectionsRaw[0] === 'none')
			? 'none'
			: collectionsRaw.length === 1 && collectionsRaw[0] === '*'
				? 'all'
				: collectionsRaw;

	const config: AnalyticsConfig = {
		queue,
		redisUrl,
		flushSize: readInteger(env, 'FLUSH_SIZE', 500, 1, 50_000, problems),
		flushIntervalMs: readInteger(env, 'FLUSH_INTERVAL_MS', 1000, 10, 600_000, problems),
		queueMaxSize: readInteger(env, 'QUEUE_MAX_SIZE', 100_000, 100, 10_000_000, problems),
		writerCollections,
		syncActions: readList(env[`${ENV_PREFIX}SYNC_ACTIONS`]),
		allowedRoles: readList(env[`${ENV_PREFIX}ALLOWED_ROLES`]),
		allowedPolicies: readList(env[`${ENV_PREFIX}ALLOWED_POLICIES`]),
		statementTimeoutMs: readInteger(env, 'STATEMENT_TIMEOUT_MS', 5000, 100, 600_000, problems),
		slowQueryMs: readInteger(env, 'SLOW_QUERY_MS', 1000, 1, 600_000, problems),
		cacheTtlSeconds: readInteger(env, 'CACHE_TTL', 300, 0, 86_400, problems),
	};

	if (config.queueMaxSize < config.flushSize) {
		problems.push(`${ENV_PREFIX}QUEUE_MAX_SIZE (${config.queueMaxSize}) must be at least ${ENV_PREFIX}FLUSH_SIZE (${config.flushSize})`);
	}
	if (problems.length > 0) throw new ConfigError(problems);
	return config;
}

/** The config as it is safe to log or return: no credentials. */
export function describeConfig(config: AnalyticsConfig): Record<string, unknown> {
	const { redisUrl, ...rest } = config;
	return { ...rest, redis: redisUrl ? redactUrl(redisUrl) : null };
}

function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return '(unparseable)';
	}
}
