import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEvent, type ActivityEvent, type EventBatch } from '../../src/server/schema/activity-event';
import { EventSpool } from '../../src/server/queue/event-spool';
import { MemoryQueue } from '../../src/server/queue/memory-queue';
import { judgeDurability } from '../../src/server/queue/queue-durability';
import { SpooledQueue } from '../../src/server/queue/spooled-queue';
import { createWriterMetrics } from '../../src/server/queue/writer-metrics';

const dirs: string[] = [];
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'aa-spool-'));
	dirs.push(dir);
	return dir;
}
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function event(item: string): ActivityEvent {
	return {
		key: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
		action: 'create',
		user: null,
		ip: '203.0.113.9',
		user_agent: null,
		origin: null,
		collection: 'orders',
		item,
		at: Date.now(),
		seq,
		revision: { data: { id: item }, delta: { id: item }, parentKey: null },
	};
}

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
/** A pid no process has: a child that has already exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

function spooledQueue(dir: string, write: (batch: EventBatch) => Promise<void>, database = 'pg:db1') {
	const metrics = createWriterMetrics();
	const memory = new MemoryQueue(
		async (batch) => {
			await write(batch);
			return { written: 'encoded' in batch ? batch.encoded.length : batch.length, skipped: 0 };
		},
		{ flushSize: 1000, flushIntervalMs: 60_000, maxSize: 10_000 },
		metrics,
		// Gives up at once on a drain, where a real writer gives up at its drain deadline.
		{ giveUp: () => true },
	);
	const spool = new EventSpool({ dir, database });
	return { queue: new SpooledQueue(memory, spool, 2, metrics, logger as never), memory, spool, metrics };
}

describe('the local spool', () => {
	it('answers an offer only once its events are on disk, sharing one fdatasync among offers that arrive together', async () => {
		const dir = tempDir();
		const { queue, memory, metrics } = spooledQueue(dir, async () => undefined);
		const offered = Array.from({ length: 40 }, (_, i) => [event(`a${i}`)]);
		const answers = await Promise.all(
			offered.map((events) =>
				queue.offer(events).then((accepted) => {
					// Whoever is answered finds their event in the file already.
					const text = readdirSync(dir)
						.map((f) => readFileSync(join(dir, f), 'utf8'))
						.join('');
					return accepted && text.includes(events[0]!.key);
				}),
			),
		);
		expect(answers.every(Boolean)).toBe(true);
		expect(memory.accepted).toBe(40);
		expect(metrics.spoolCommits).toBeGreaterThan(0);
		expect(metrics.spoolCommits).toBeLessThan(40);
	});

	it('a clean drain writes everything and leaves no file; a drain that could not write keeps them', async () => {
		const dir = tempDir();
		const written: string[] = [];
		const { queue } = spooledQueue(dir, async (batch) => {
			written.push(...('encoded' in batch ? [] : batch.map((e) => e.item)));
		});
		await queue.offer([event('x1'), event('x2')]);
		expect(await queue.drain()).toBe(0);
		expect(written).toEqual(['x1', 'x2']);
		expect(readdirSync(dir)).toEqual([]);
		const kept = tempDir();
		const failing = spooledQueue(kept, async () => {
			throw new Error('database away');
		});
		await failing.queue.offer([event('y1')]);
		expect(await failing.queue.drain()).toBe(1);
		const files = readdirSync(kept);
		expect(files).toHaveLength(1);
		expect(readFileSync(join(kept, files[0]!), 'utf8')).toContain('"item":"y1"');
	});

	it('replays the segments of a dead process into its own database only, skipping a line torn by the kill', async () => {
		const dir = tempDir();
		const dead = deadPid();
		const events = [event('r1'), event('r2')];
		const header = (database: string) => `${JSON.stringify({ spool: 1, database })}\n`;
		const body = `${events.map((e) => `${encodeEvent(e)}\n`).join('')}{"key":"torn`;
		writeFileSync(join(dir, `spool-${dead}-abc-01-1.ndjson`), header('pg:db1') + body);
		writeFileSync(join(dir, `spool-${dead}-abc-01-2.ndjson`), header('pg:other') + body);
		// A live process's segment (this test's parent) is never taken.
		writeFileSync(join(dir, `spool-${process.ppid}-abc-01-1.ndjson`), header('pg:db1') + body);
		const spool = new EventSpool({ dir, database: 'pg:db1' });
		const replayed: string[] = [];
		const foreign: string[] = [];
		const count = await spool.replayOrphans(
			async (batch) => {
				replayed.push(...batch.map((e) => e.item));
			},
			(file) => foreign.push(file),
		);
		expect(count).toBe(2);
		expect(replayed).toEqual(['r1', 'r2']);
		expect(foreign).toEqual([`spool-${dead}-abc-01-2.ndjson`]);
		expect(readdirSync(dir).sort()).toEqual(
			[`spool-${dead}-abc-01-2.ndjson`, `spool-${process.ppid}-abc-01-1.ndjson`].sort(),
		);
	});

	it('refuses the offer when the spool cannot be written, so the caller writes synchronously', async () => {
		const dir = tempDir();
		const blocked = join(dir, 'not-a-folder');
		writeFileSync(blocked, '');
		const { queue, memory, metrics } = spooledQueue(blocked, async () => undefined);
		expect(await queue.offer([event('f1')])).toBe(false);
		expect(memory.accepted).toBe(0);
		expect(metrics.spoolFailures).toBe(1);
	});
});

describe('queue durability', () => {
	it('says when an answered event could be lost, and why', () => {
		expect(judgeDurability('memory', { spool: true, sync: false })).toMatchObject({
			mode: 'spool',
			lossPossible: false,
		});
		expect(judgeDurability('memory', { spool: false, sync: false })).toMatchObject({
			mode: 'memory',
			lossPossible: true,
		});
		expect(judgeDurability('memory', { spool: false, sync: true })).toMatchObject({
			mode: 'sync',
			lossPossible: false,
		});
		const redis = (appendonly: string | null, appendfsync: string | null) =>
			judgeDurability('redis', { spool: true, sync: false, redis: { appendonly, appendfsync } });
		expect(redis('yes', 'always')).toMatchObject({ mode: 'redis', lossPossible: false });
		expect(redis('yes', 'everysec')).toMatchObject({
			lossPossible: true,
			detail: expect.stringContaining('once a second'),
		});
		expect(redis('no', 'always')).toMatchObject({
			lossPossible: true,
			detail: expect.stringContaining('appendonly no'),
		});
		expect(judgeDurability('redis', { spool: true, sync: false, redis: null })).toMatchObject({ lossPossible: true });
	});
});
