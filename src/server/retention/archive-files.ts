import { Readable } from 'node:stream';
import type { Knex } from 'knex';

/** Where the `files` archive mode saves its NDJSON.gz files: Directus's own storage, as directus_files. */
export interface ArchiveFileStore {
	save(name: string, body: Buffer): Promise<string>;
	/** Ids of every file in the archive folder. */
	list(): Promise<string[]>;
	read(id: string): Promise<Buffer>;
	replace(id: string, body: Buffer): Promise<void>;
	remove(ids: string[]): Promise<void>;
}

export const ARCHIVE_FOLDER_NAME = 'Activity archive';

interface FilesContext {
	database: Knex;
	env: Record<string, unknown>;
	getSchema: (options?: { bypassCache?: boolean }) => Promise<unknown>;
	services: {
		FilesService: new (options: { schema: unknown; accountability: null; knex: Knex }) => {
			uploadOne(stream: Readable, data: Record<string, unknown>, primaryKey?: string): Promise<string | number>;
			deleteMany(keys: string[]): Promise<unknown>;
		};
		FoldersService: new (options: { schema: unknown; accountability: null; knex: Knex }) => {
			createOne(data: Record<string, unknown>): Promise<string | number>;
		};
		AssetsService: new (options: { schema: unknown; accountability: null; knex: Knex }) => {
			getAsset(id: string, transformation?: unknown): Promise<{ stream: NodeJS.ReadableStream }>;
		};
	};
}

/** Files go through FilesService, so they land in the first storage location and show in the file library. */
export function createArchiveFileStore(context: FilesContext): ArchiveFileStore {
	const storage =
		String(context.env['STORAGE_LOCATIONS'] ?? 'local')
			.split(',')[0]!
			.trim() || 'local';
	const options = async () => ({ schema: await context.getSchema(), accountability: null, knex: context.database });
	let folder: string | null = null;
	const folderId = async () => {
		if (folder) return folder;
		const existing = await context
			.database('directus_folders')
			.where({ name: ARCHIVE_FOLDER_NAME })
			.whereNull('parent')
			.first('id');
		folder = existing
			? String(existing.id)
			: String(await new context.services.FoldersService(await options()).createOne({ name: ARCHIVE_FOLDER_NAME }));
		return folder;
	};
	const metadata = async (name: string) => ({
		filename_download: name,
		title: name,
		type: 'application/gzip',
		storage,
		folder: await folderId(),
	});
	return {
		save: async (name, body) =>
			String(
				await new context.services.FilesService(await options()).uploadOne(Readable.from([body]), await metadata(name)),
			),
		list: async () =>
			(
				await context
					.database('directus_files')
					.where({ folder: await folderId() })
					.pluck('id')
			).map(String),
		read: async (id) => {
			const { stream } = await new context.services.AssetsService(await options()).getAsset(id);
			const chunks: Buffer[] = [];
			for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
			return Buffer.concat(chunks);
		},
		replace: async (id, body) => {
			const name =
				(await context.database('directus_files').where({ id }).first('filename_download'))?.filename_download ??
				`${id}.ndjson.gz`;
			await new context.services.FilesService(await options()).uploadOne(
				Readable.from([body]),
				await metadata(String(name)),
				id,
			);
		},
		remove: async (ids) => {
			if (ids.length > 0) await new context.services.FilesService(await options()).deleteMany(ids);
		},
	};
}
