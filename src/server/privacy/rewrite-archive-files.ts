import { gunzipSync, gzipSync } from 'node:zlib';
import type { ArchiveFileStore } from '../retention/archive-files';

export interface ArchiveLine {
	table: string;
	row: Record<string, unknown>;
}

/** Rewrites each file whose lines `change` alters (returning the same object means unchanged); returns how many. */
export async function rewriteArchiveFiles(
	store: ArchiveFileStore,
	files: string[],
	change: (line: ArchiveLine) => ArchiveLine,
): Promise<number> {
	let rewritten = 0;
	for (const file of files) {
		const lines = await readArchiveLines(store, file);
		const next = lines.map(change);
		if (next.every((line, i) => line === lines[i])) continue;
		await store.replace(file, gzipSync(`${next.map((line) => JSON.stringify(line)).join('\n')}\n`));
		rewritten++;
	}
	return rewritten;
}

export async function readArchiveLines(store: ArchiveFileStore, file: string): Promise<ArchiveLine[]> {
	return gunzipSync(await store.read(file))
		.toString('utf8')
		.split('\n')
		.filter(Boolean)
		.map((text) => JSON.parse(text) as ArchiveLine);
}
