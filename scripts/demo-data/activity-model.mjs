// Pure, seeded model of realistic Directus activity: skewed users, collections and IPs, a daily and
// weekly rhythm, logins, creates, updates, deletes and flow runs. Same seed and options, same rows.

export const MIN_ROWS = 10_000;
export const MAX_ROWS = 10_000_000;
export const MAX_DAYS = 3650;

/** mulberry32: small, fast and good enough for synthetic data; deterministic for a 32-bit seed. */
export function createRandom(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Cumulative weights for sampling by binary search. */
export function cumulative(weights) {
	const out = new Float64Array(weights.length);
	let sum = 0;
	for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i];
	for (let i = 0; i < out.length; i++) out[i] /= sum;
	return out;
}

export function pick(cdf, u) {
	let lo = 0;
	let hi = cdf.length - 1;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (cdf[mid] < u) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** Zipf-like weights 1/(rank^s): a few hot keys, a long tail. */
export function zipfWeights(n, s) {
	return Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s));
}

export class GeneratorOptionsError extends Error {}

/**
 * Validates generator options; nonsense sizes and dates are refused with a message naming the flag.
 * @param {{ rows?: unknown, days?: unknown, seed?: unknown, end?: unknown, revisions?: unknown }} raw
 */
export function parseGeneratorOptions(raw) {
	const rows = Number(raw.rows ?? 100_000);
	if (!Number.isInteger(rows) || rows < MIN_ROWS || rows > MAX_ROWS) {
		throw new GeneratorOptionsError(
			`--rows must be a whole number from ${MIN_ROWS} to ${MAX_ROWS} (got "${raw.rows}")`,
		);
	}
	const days = Number(raw.days ?? 90);
	if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
		throw new GeneratorOptionsError(`--days must be a whole number from 1 to ${MAX_DAYS} (got "${raw.days}")`);
	}
	const seed = Number(raw.seed ?? 42);
	if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
		throw new GeneratorOptionsError(`--seed must be a whole number from 0 to 4294967295 (got "${raw.seed}")`);
	}
	let end;
	if (raw.end === undefined || raw.end === null || raw.end === '') {
		end = new Date();
		end.setUTCMinutes(0, 0, 0);
	} else {
		end = new Date(String(raw.end));
		if (!/^\d{4}-\d{2}-\d{2}/.test(String(raw.end)) || Number.isNaN(end.getTime())) {
			throw new GeneratorOptionsError(`--end must be an ISO date such as 2026-01-31T00:00:00Z (got "${raw.end}")`);
		}
		if (end.getTime() > Date.now() + 86_400_000)
			throw new GeneratorOptionsError(`--end must not be in the future (got "${raw.end}")`);
		if (end.getUTCFullYear() < 2000) throw new GeneratorOptionsError(`--end must be after 2000 (got "${raw.end}")`);
	}
	end.setUTCMilliseconds(0);
	return { rows, days, seed, end, revisions: raw.revisions === true || raw.revisions === 'true' };
}

const FIRST_NAMES = [
	'Ada',
	'Ben',
	'Chloé',
	'Dev',
	'Eun-ji',
	'Farah',
	'Gus',
	'Hana',
	'Ivan',
	'Jo',
	'Kofi',
	'Lena',
	'Mateo',
	'Nia',
	'Oskar',
	'Priya',
];
const LAST_NAMES = [
	'Okafor',
	'Schmidt',
	'Tanaka',
	'Novak',
	'García',
	'Nguyen',
	'Rossi',
	'Kowalski',
	'Haddad',
	'Larsen',
	'Silva',
	'Moreau',
];

// Weighted, so a few collections dominate as they do in real projects.
export const DEMO_COLLECTIONS = [
	'orders',
	'articles',
	'customers',
	'products',
	'directus_files',
	'directus_users',
	'directus_settings',
	'directus_dashboards',
];
const USER_AGENTS = [
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
	'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
	'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
	'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
	'axios/1.7.9',
];
const ORIGINS = ['http://localhost:8055', 'https://admin.example.com', 'https://app.example.com', null];
// Working hours in UTC peak; nights are quiet but never empty.
const HOUR_WEIGHTS = [2, 1.5, 1, 1, 1, 1.5, 3, 6, 10, 13, 14, 13, 10, 12, 14, 13, 11, 8, 6, 5, 4, 4, 3, 2.5];
// Monday..Sunday (getUTCDay: 0 = Sunday).
const WEEKDAY_WEIGHTS = [0.35, 1, 1.05, 1.05, 1, 0.9, 0.45];

function uuidFrom(random) {
	const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The actors of a dataset: users with names, IP pool, flows. Sized from the row count. */
export function buildActors(options) {
	const random = createRandom(options.seed ^ 0x9e3779b9);
	const userCount = Math.max(40, Math.min(2000, Math.round(options.rows / 2500)));
	// Users depend on their index only, so datasets of any seed share the same people.
	const userRandom = createRandom(0x5eed);
	const users = Array.from({ length: userCount }, (_, i) => ({
		id: uuidFrom(userRandom),
		first_name: FIRST_NAMES[i % FIRST_NAMES.length],
		last_name: LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length],
		email: `demo.user${i + 1}@example.com`,
	}));
	const ipCount = Math.max(1000, Math.min(50_000, Math.round(options.rows / 150)));
	const ips = Array.from({ length: ipCount }, (_, i) => {
		if (random() < 0.04) {
			const group = () => Math.floor(random() * 65536).toString(16);
			return `2001:db8:${group()}:${group()}::${(i + 1).toString(16)}`;
		}
		return `${[...Array(4)].map((_, octet) => (octet === 0 ? 11 + Math.floor(random() * 200) : Math.floor(random() * 256))).join('.')}`;
	});
	const flows = Array.from({ length: 6 }, () => uuidFrom(random));
	return { users, ips, flows };
}

/** How many rows land on each day: weekly rhythm plus gentle growth, summing exactly to rows. */
export function rowsPerDay(options) {
	// Calendar days (UTC) ending with the one that holds the last instant before `end`.
	const last = new Date(options.end.getTime() - 1);
	const firstDay =
		Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate()) - (options.days - 1) * 86_400_000;
	const weights = Array.from({ length: options.days }, (_, d) => {
		const day = new Date(firstDay + d * 86_400_000);
		return WEEKDAY_WEIGHTS[day.getUTCDay()] * (1 + (0.5 * d) / options.days);
	});
	const total = weights.reduce((a, b) => a + b, 0);
	const counts = weights.map((w) => Math.floor((options.rows * w) / total));
	let missing = options.rows - counts.reduce((a, b) => a + b, 0);
	for (let d = counts.length - 1; missing > 0; d = (d - 1 + counts.length) % counts.length, missing--) counts[d]++;
	return { firstDay, counts };
}

/**
 * Yields activity rows in time order, in batches. Each row: { id, action, user, timestamp (Date, whole
 * seconds, before options.end), ip, user_agent, collection, item, origin }.
 */
export function* generateActivityBatches(options, actors, firstId, batchSize = 10_000) {
	const random = createRandom(options.seed);
	const userCdf = cumulative(zipfWeights(actors.users.length, 1.05));
	const ipCdf = cumulative(zipfWeights(actors.ips.length, 0.9));
	const collectionCdf = cumulative(zipfWeights(DEMO_COLLECTIONS.length, 1.2));
	const hourCdf = cumulative(HOUR_WEIGHTS);
	const agentCdf = cumulative([30, 28, 12, 10, 12, 8]);
	const originCdf = cumulative([70, 15, 10, 5]);
	const itemCounters = new Map(DEMO_COLLECTIONS.map((c) => [c, 50]));
	const endMs = options.end.getTime();
	const { firstDay, counts } = rowsPerDay(options);
	let id = firstId;
	let batch = [];
	for (let d = 0; d < counts.length; d++) {
		const dayStart = firstDay + d * 86_400_000;
		const seconds = new Float64Array(counts[d]);
		const limit = Math.min(86_400, Math.floor((endMs - dayStart) / 1000));
		for (let i = 0; i < seconds.length; i++) {
			const hour = pick(hourCdf, random());
			let second = hour * 3600 + Math.floor(random() * 3600);
			if (second >= limit) second = Math.floor(random() * Math.max(1, limit));
			seconds[i] = second;
		}
		seconds.sort();
		for (let i = 0; i < seconds.length; i++) {
			const timestamp = new Date(dayStart + seconds[i] * 1000);
			const anonymous = random() < 0.05;
			const userIndex = pick(userCdf, random());
			const user = anonymous ? null : actors.users[userIndex].id;
			const roll = random();
			let action;
			let collection;
			let item;
			if (anonymous) {
				action = 'create';
				collection = roll < 0.7 ? 'orders' : 'customers';
			} else if (roll < 0.07) {
				action = 'login';
				collection = 'directus_users';
			} else if (roll < 0.09) {
				action = 'run';
				collection = 'directus_flows';
			} else {
				action = roll < 0.37 ? 'create' : roll < 0.93 ? 'update' : 'delete';
				collection = DEMO_COLLECTIONS[pick(collectionCdf, random())];
			}
			if (action === 'login') item = user;
			else if (action === 'run') item = actors.flows[Math.floor(random() * actors.flows.length)];
			else {
				const count = itemCounters.get(collection) ?? 50;
				if (action === 'create') {
					itemCounters.set(collection, count + 1);
					item = String(count + 1);
				} else {
					// Recent items are edited more than old ones.
					item = String(Math.max(1, count - Math.floor(Math.pow(random(), 3) * count)));
				}
			}
			const noIp = random() < 0.01;
			const ip = noIp
				? null
				: !anonymous && random() < 0.8
					? actors.ips[userIndex % actors.ips.length]
					: actors.ips[pick(ipCdf, random())];
			batch.push({
				id: id++,
				action,
				user,
				timestamp,
				ip,
				user_agent: noIp ? null : USER_AGENTS[pick(agentCdf, random())],
				collection,
				item,
				origin: ORIGINS[pick(originCdf, random())],
			});
			if (batch.length >= batchSize) {
				yield batch;
				batch = [];
			}
		}
	}
	if (batch.length > 0) yield batch;
}

/** The revision Directus would keep for a create or update on a user collection, or null. */
export function revisionFor(row, revisionId) {
	if ((row.action !== 'create' && row.action !== 'update') || row.collection.startsWith('directus_')) return null;
	const data = {
		id: Number(row.item),
		status: row.action === 'create' ? 'draft' : 'published',
		title: `${row.collection} #${row.item}`,
	};
	const delta = row.action === 'create' ? data : { status: data.status };
	return {
		id: revisionId,
		activity: row.id,
		collection: row.collection,
		item: row.item,
		data: JSON.stringify(data),
		delta: JSON.stringify(delta),
		parent: null,
	};
}
