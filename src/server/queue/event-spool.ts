import { open, readdir, readFile, rename, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeEvent, encodeEvent, type ActivityEvent } from '../schema/activity-event';

// A local append-only file of the events this process acknowledged and has not written yet, one JSON line
// each, made durable (fdatasync) before the answer goes out. Segments rotate; a segment goes once every event
// in it is written. At start, the segments of processes that are gone are replayed (the ledger makes a replay
// of an event already written a no-op) and then deleted.

const SEGMENT_PREFIX = 'spool-';
const SEGMENT_SUFFIX = '.ndjson';
const REPLAYING = '.replaying-';

interface Segment {
	path: string;
	handle: FileHandle;
	bytes: number;
	openedAt: number;
	/** The owner's accepted-event count once this segment's last commit was queued. */
	coversUpTo: number;
}

export interface SpoolOptions {
	dir: string;
	/** Which database the events belong to: a segment is replayed only into the database it was written for. */
	database: string;
	/** A segment is closed past this size or age, and deleted once all its events are written. */
	segmentBytes?: number;
	segmentMs?: number;
}

/**
 * Identifies this process across extension reloads (a reloaded copy must not take the files of the copy it
 * replaces, which is still draining) and apart from a former process that had the same pid (a container's
 * pid 1 after a restart): its start time.
 */
const PROCESS_TOKEN = Math.round(performance.timeOrigin).toString(16);

/** `<pid>-<process token>`: the pid says whether the owner lives, the token whether it is this very process. */
function ownerOf(file: string): { pid: number; token: string } | null {
	const match = /^spool-(\d+)-([0-9a-f]+)-[0-9a-f]+-\d+\.ndjson(?:\.replaying-(\d+)-([0-9a-f]+))?$/.exec(file);
	if (!match) return null;
	return match[3] ? { pid: Number(match[3]), token: match[4]! } : { pid: Number(match[1]), token: match[2]! };
}

/** A segment whose writer is gone: a dead pid, or this pid in a former process. */
function isOrphan(owner: { pid: number; token: string }): boolean {
	if (owner.pid === process.pid) return owner.token !== PROCESS_TOKEN;
	return !isAlive(owner.pid);
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export class EventSpool {
	private readonly instance = randomBytes(4).toString('hex');
	private current: Segment | null = null;
	private closed: Segment[] = [];
	private sequence = 0;
	private readonly segmentBytes: number;
	private readonly segmentMs: number;

	constructor(private readonly options: SpoolOptions) {
		this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
		this.segmentMs = options.segmentMs ?? 60_000;
	}

	get dir(): string {
		return this.options.dir;
	}

	/** Appends the events and makes them durable before it resolves. */
	async append(events: readonly ActivityEvent[]): Promise<void> {
		const segment = await this.segmentFor();
		const text = events.map((event) => `${encodeEvent(event)}\n`).join('');
		await segment.handle.write(text);
		await segment.handle.datasync();
		segment.bytes += Buffer.byteLength(text);
	}

	/** The owner queued what the spool holds so far: all of it is written once `accepted` events are. */
	cover(accepted: number): void {
		if (this.current) this.current.coversUpTo = accepted;
	}

	/** Deletes the closed segments whose events are all written (`written` of the owner's accepted count). */
	async release(written: number): Promise<void> {
		const done = this.closed.filter((segment) => segment.coversUpTo <= written);
		if (done.length === 0) return;
		this.closed = this.closed.filter((segment) => !done.includes(segment));
		for (const segment of done) {
			await segment.handle.close();
			await unlink(segment.path).catch(() => undefined);
		}
	}

	/** Closes every segment; with everything written they go, otherwise they stay for the next start to replay. */
	async close(allWritten: boolean): Promise<void> {
		const segments = [...this.closed, ...(this.current ? [this.current] : [])];
		this.closed = [];
		this.current = null;
		for (const segment of segments) {
			await segment.handle.close().catch(() => undefined);
			if (allWritten) await unlink(segment.path).catch(() => undefined);
		}
	}

	private async segmentFor(): Promise<Segment> {
		const now = Date.now();
		const current = this.current;
		if (current && current.bytes < this.segmentBytes && now - current.openedAt < this.segmentMs) return current;
		if (current) this.closed.push(current);
		await mkdir(this.options.dir, { recursive: true });
		const path = join(
			this.options.dir,
			`${SEGMENT_PREFIX}${process.pid}-${PROCESS_TOKEN}-${this.instance}-${++this.sequence}${SEGMENT_SUFFIX}`,
		);
		const handle = await open(path, 'a');
		const header = `${JSON.stringify({ spool: 1, database: this.options.database })}\n`;
		await handle.write(header);
		this.current = {
			path,
			handle,
			bytes: Buffer.byteLength(header),
			openedAt: now,
			coversUpTo: current?.coversUpTo ?? 0,
		};
		return this.current;
	}

	/**
	 * Segments of processes that are gone (or of this pid's former process), each taken by renaming it
	 * (one taker wins), read, handed to `replay`, then deleted. A torn last line (a kill mid-write, never
	 * acknowledged) is skipped. Returns the number of events replayed.
	 */
	async replayOrphans(
		replay: (events: ActivityEvent[]) => Promise<void>,
		onForeign: (file: string, database: string | null) => void = () => undefined,
	): Promise<number> {
		await mkdir(this.options.dir, { recursive: true });
		let replayed = 0;
		for (const file of await readdir(this.options.dir)) {
			const owner = ownerOf(file);
			if (!owner || !isOrphan(owner)) continue;
			const database = await segmentDatabase(join(this.options.dir, file));
			if (database === null) {
				// Cut short before its header was synced: no event in it was ever acknowledged.
				await unlink(join(this.options.dir, file)).catch(() => undefined);
				continue;
			}
			if (database !== this.options.database) {
				// Another project's events (a folder shared by mistake): left for that project to replay.
				onForeign(file, database);
				continue;
			}
			const base = file.includes(REPLAYING) ? file.slice(0, file.indexOf(REPLAYING)) : file;
			const taken = join(this.options.dir, `${base}${REPLAYING}${process.pid}-${PROCESS_TOKEN}`);
			try {
				await rename(join(this.options.dir, file), taken);
			} catch {
				continue; // another process took it first
			}
			const events = parseSegment(await readFile(taken, 'utf8'));
			if (events.length > 0) await replay(events);
			await unlink(taken);
			replayed += events.length;
		}
		return replayed;
	}
}

/** The database a segment's header names, or null for a segment cut short within its header. */
async function segmentDatabase(path: string): Promise<string | null> {
	const handle = await open(path, 'r');
	try {
		const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
		const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
		const header = JSON.parse(first) as { spool?: number; database?: unknown };
		return header.spool === 1 && typeof header.database === 'string' ? header.database : null;
	} catch {
		return null;
	} finally {
		await handle.close();
	}
}

/** A segment's events, after its header line. */
export function parseSegment(text: string): ActivityEvent[] {
	const events: ActivityEvent[] = [];
	for (const line of text.split('\n').slice(1)) {
		if (line === '') continue;
		try {
			events.push(decodeEvent(line));
		} catch {
			// A line cut short by a kill during its write: its answer never went out.
		}
	}
	return events;
}
