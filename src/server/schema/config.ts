import { CronExpressionParser } from 'cron-parser';
import { ENV_PREFIX } from '../../shared/constants';
import { WRITER_ACTIONS } from './activity-event';

/** Everything the bundle reads from env, parsed and validated once at start. */
export interface AnalyticsConfig {
	queue: 'memory' | 'redis';
	redisUrl: string | null;
	flushSize: number;
	flushIntervalMs: number;
	queueMaxSize: number;
	/** Redis stream the instances share; defaults under Directus's CACHE_NAMESPACE. */
	streamKey: string;
	/** Stream entries held this long by a silent consumer are claimed by another instance. */
	claimIdleMs: number;
	/** How long shutdown keeps retrying to write what the memory queue holds. */
	drainTimeoutMs: number;
	/** Events kept in this process pass through a local append-only spool first, so a hard kill loses none. */
	spool: boolean;
	/** The spool's folder; null: `.activity-analytics-spool` in Directus's working directory. */
	spoolDir: string | null;
	/** Longest wait before a group commit of the spool (one fdatasync for every answer waiting). */
	spoolCommitMs: number;
	/** Never keep an answered event where a crash could lose it: a Redis without fsync per write is skipped. */
	requireDurableQueue: boolean;
	writerCollections: 'all' | 'none' | string[];
	syncActions: string[];
	allowedRoles: string[];
	allowedPolicies: string[];
	statementTimeoutMs: number;
	slowQueryMs: number;
	cacheTtlSeconds: number;
	cacheStaleSeconds: number;
	maxWindowDays: number;
	/** Cron for the built-in rollup refresh; null turns it off. */
	refreshCron: string | null;
	/** Cron for the built-in retention (archive, then delete); null (the default) turns it off. */
	retentionCron: string | null;
	retentionDays: number;
	/** How the built-in retention archives: archive tables, NDJSON.gz files in Directus storage, or not at all. */
	retentionArchive: 'archive' | 'files' | 'none';
	/** Archived rows older than this many months expire; 0 keeps them. */
	archiveMonths: number;
	suspiciousThreshold: number;
	suspiciousWindow: '15m' | '1h' | '1d';
	/** A flow failing at least this share of its runs in a window raises an alert; null turns flow alerts off. */
	flowAlertRate: number | null;
	/** Runs with a known outcome a flow needs in the window before its rate counts. */
	flowAlertMinRuns: number;
	flowAlertWindow: '15m' | '1h' | '1d';
	warmCache: boolean;
	/** Directus's own IP_TRUST_PROXY as set (its default differs by version), for the proxy warning. */
	ipTrustProxy: string;
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
	if (Array.isArray(value))
		return value
			.map(String)
			.map((v) => v.trim())
			.filter(Boolean);
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
	const redisUrl = readRedisUrl(env);

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
		streamKey: String(
			env[`${ENV_PREFIX}STREAM_KEY`] ??
				`${typeof env['CACHE_NAMESPACE'] === 'string' && env['CACHE_NAMESPACE'] ? env['CACHE_NAMESPACE'] : 'directus'}:activity-analytics:events`,
		),
		claimIdleMs: readInteger(env, 'CLAIM_IDLE_MS', 30_000, 1000, 3_600_000, problems),
		drainTimeoutMs: readInteger(env, 'DRAIN_TIMEOUT_MS', 10_000, 0, 600_000, problems),
		spool: readBoolean(env, 'SPOOL', true, problems),
		spoolDir: env[`${ENV_PREFIX}SPOOL_DIR`] ? String(env[`${ENV_PREFIX}SPOOL_DIR`]).trim() : null,
		spoolCommitMs: readInteger(env, 'SPOOL_COMMIT_MS', 2, 0, 1_000, problems),
		requireDurableQueue: readBoolean(env, 'REQUIRE_DURABLE_QUEUE', false, problems),
		writerCollections,
		syncActions: readList(env[`${ENV_PREFIX}SYNC_ACTIONS`]),
		allowedRoles: readList(env[`${ENV_PREFIX}ALLOWED_ROLES`]),
		allowedPolicies: readList(env[`${ENV_PREFIX}ALLOWED_POLICIES`]),
		statementTimeoutMs: readInteger(env, 'STATEMENT_TIMEOUT_MS', 5000, 100, 600_000, problems),
		slowQueryMs: readInteger(env, 'SLOW_QUERY_MS', 1000, 1, 600_000, problems),
		cacheTtlSeconds: readInteger(env, 'CACHE_TTL', 300, 0, 86_400, problems),
		cacheStaleSeconds: readInteger(env, 'CACHE_STALE_TTL', 3_600, 0, 604_800, problems),
		maxWindowDays: readInteger(env, 'MAX_WINDOW_DAYS', 400, 1, 3_660, problems),
		refreshCron: readCron(env, 'REFRESH_CRON', '* * * * *', problems),
		retentionCron: readCron(env, 'RETENTION_CRON', 'off', problems),
		retentionDays: readInteger(env, 'RETENTION_DAYS', 90, 1, 36_500, problems),
		retentionArchive: readArchiveMode(env, problems),
		archiveMonths: readInteger(env, 'ARCHIVE_MONTHS', 24, 0, 1_200, problems),
		suspiciousThreshold: readInteger(env, 'SUSPICIOUS_THRESHOLD', 100, 1, 1_000_000_000, problems),
		suspiciousWindow: readWindow(env, 'SUSPICIOUS_WINDOW', problems),
		flowAlertRate: readRate(env, 'FLOW_ALERT_RATE', 0.5, problems),
		flowAlertMinRuns: readInteger(env, 'FLOW_ALERT_MIN_RUNS', 3, 1, 1_000_000_000, problems),
		flowAlertWindow: readWindow(env, 'FLOW_ALERT_WINDOW', problems),
		warmCache: String(env[`${ENV_PREFIX}WARM_CACHE`] ?? 'true') !== 'false',
		ipTrustProxy:
			env['IP_TRUST_PROXY'] === undefined
				? 'not set'
				: typeof env['IP_TRUST_PROXY'] === 'string'
					? env['IP_TRUST_PROXY']
					: JSON.stringify(env['IP_TRUST_PROXY']),
	};

	const badActions = config.syncActions.filter((a) => !(WRITER_ACTIONS as readonly string[]).includes(a));
	if (badActions.length > 0)
		problems.push(
			`${ENV_PREFIX}SYNC_ACTIONS has ${badActions.join(', ')}: only create, update and delete pass through the writer`,
		);
	if (config.queueMaxSize < config.flushSize) {
		problems.push(
			`${ENV_PREFIX}QUEUE_MAX_SIZE (${config.queueMaxSize}) must be at least ${ENV_PREFIX}FLUSH_SIZE (${config.flushSize})`,
		);
	}
	if (problems.length > 0) throw new ConfigError(problems);
	return config;
}

/** Directus's own Redis settings: REDIS (a URL), or REDIS_HOST / REDIS_PORT / REDIS_USERNAME / REDIS_PASSWORD / REDIS_DB. */
function readRedisUrl(env: Env): string | null {
	if (typeof env['REDIS'] === 'string' && env['REDIS'] !== '') return env['REDIS'];
	if (typeof env['REDIS_HOST'] !== 'string' || env['REDIS_HOST'] === '') return null;
	const url = new URL('redis://localhost');
	url.hostname = env['REDIS_HOST'];
	url.port = String(env['REDIS_PORT'] ?? 6379);
	if (env['REDIS_USERNAME']) url.username = String(env['REDIS_USERNAME']);
	if (env['REDIS_PASSWORD']) url.password = String(env['REDIS_PASSWORD']);
	if (env['REDIS_DB'] !== undefined) url.pathname = `/${String(env['REDIS_DB'])}`;
	return url.toString();
}

function readArchiveMode(env: Env, problems: string[]): AnalyticsConfig['retentionArchive'] {
	const value = String(env[`${ENV_PREFIX}RETENTION_ARCHIVE`] ?? 'archive');
	if (value === 'archive' || value === 'files' || value === 'none') return value;
	problems.push(`${ENV_PREFIX}RETENTION_ARCHIVE must be archive, files or none (got "${value}")`);
	return 'archive';
}

function readCron(env: Env, key: string, fallback: string, problems: string[]): string | null {
	const raw = env[ENV_PREFIX + key];
	const value = raw === undefined || raw === null || raw === '' ? fallback : String(raw).trim();
	if (value === 'off' || value === 'false') return null;
	try {
		CronExpressionParser.parse(value);
		return value;
	} catch (error) {
		problems.push(
			`${ENV_PREFIX}${key}="${value}" is not a valid cron expression (${error instanceof Error ? error.message : String(error)})`,
		);
		return null;
	}
}

function readWindow(env: Env, key: string, problems: string[]): AnalyticsConfig['suspiciousWindow'] {
	const raw = String(env[ENV_PREFIX + key] ?? '1h');
	if (raw === '15m' || raw === '1h' || raw === '1d') return raw;
	problems.push(`${ENV_PREFIX}${key}="${raw}" must be 15m, 1h or 1d`);
	return '1h';
}

function readBoolean(env: Env, key: string, fallback: boolean, problems: string[]): boolean {
	const raw = env[ENV_PREFIX + key];
	if (raw === undefined || raw === null || raw === '') return fallback;
	if (raw === true || raw === false) return raw;
	const text = String(raw).trim().toLowerCase();
	if (['true', 'on', '1', 'yes'].includes(text)) return true;
	if (['false', 'off', '0', 'no'].includes(text)) return false;
	problems.push(`${ENV_PREFIX}${key}="${String(raw)}" must be true or false`);
	return fallback;
}

/** A share above 0 and at most 1, or `off`. */
function readRate(env: Env, key: string, fallback: number, problems: string[]): number | null {
	const raw = env[ENV_PREFIX + key];
	if (raw === undefined || raw === null || raw === '') return fallback;
	const text = String(raw).trim();
	if (text === 'off' || text === 'false') return null;
	const value = Number(text);
	if (!Number.isFinite(value) || value <= 0 || value > 1) {
		problems.push(`${ENV_PREFIX}${key}="${text}" must be a share above 0 and at most 1 (0.5 is half the runs), or off`);
		return fallback;
	}
	return value;
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
