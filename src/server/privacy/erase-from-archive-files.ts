import { gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import type { ArchiveFileStore } from '../retention/archive-files';
import { ARCHIVE_FILES_TABLE } from '../schema/retention-tables';
import { readArchiveLines } from './rewrite-archive-files';

export interface FileErasure {
	filesRewritten: number;
	filesRemoved: number;
	activityErased: number;
	revisionsErased: number;
}

interface Line {
	table: string;
	row: { id: number | string; user?: string | null; activity?: number | string };
}

/** Rewrites every archive file that holds the user's rows without them (a file left empty goes). */
export async function eraseFromArchiveFiles(
	database: Knex,
	store: ArchiveFileStore,
	user: string,
): Promise<FileErasure> {
	const result: FileErasure = { filesRewritten: 0, filesRemoved: 0, activityErased: 0, revisionsErased: 0 };
	const files = (await database(ARCHIVE_FILES_TABLE).select('file')) as { file: string }[];
	for (const { file } of files) {
		const lines = (await readArchiveLines(store, file)) as unknown as Line[];
		const erased = new Set(
			lines.filter((l) => l.table === 'directus_activity' && l.row.user === user).map((l) => String(l.row.id)),
		);
		if (erased.size === 0) continue;
		const kept = lines.filter(
			(l) => !(l.table === 'directus_activity' ? erased.has(String(l.row.id)) : erased.has(String(l.row.activity))),
		);
		const activity = kept.filter((l) => l.table === 'directus_activity').length;
		const revisions = kept.length - activity;
		const before = lines.length - kept.length;
		result.activityErased += erased.size;
		result.revisionsErased += before - erased.size;
		if (activity === 0) {
			await store.remove([file]);
			await database(ARCHIVE_FILES_TABLE).where({ file }).delete();
			result.filesRemoved++;
			continue;
		}
		await store.replace(file, gzipSync(`${kept.map((l) => JSON.stringify(l)).join('\n')}\n`));
		await database(ARCHIVE_FILES_TABLE).where({ file }).update({ activity_rows: activity, revision_rows: revisions });
		result.filesRewritten++;
	}
	return result;
}
