import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImports } from '../../scripts/check-imports.mjs';

// The rules of .dependency-cruiser.cjs over small trees of their own, so each is seen to fail as well as pass.
let dir = '';

function tree(files: Record<string, string>): string {
	dir = mkdtempSync(join(tmpdir(), 'import-rules-'));
	const all = {
		'tsconfig.json': JSON.stringify({
			compilerOptions: { module: 'esnext', moduleResolution: 'bundler', allowJs: true },
		}),
		...files,
	};
	for (const [path, text] of Object.entries(all)) {
		mkdirSync(dirname(join(dir, path)), { recursive: true });
		writeFileSync(join(dir, path), text);
	}
	return dir;
}

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('import rules', () => {
	it('pass a downward import: rollup reads the schema floor', () => {
		const result = checkImports(
			tree({
				'src/server/schema/tables.ts': 'export const T = 1;\n',
				'src/server/rollup/refresh.ts': "import { T } from '../schema/tables';\nexport const r = T;\n",
			}),
			['src'],
		);
		expect(result.output).not.toContain('no-upward');
		expect(result.ok).toBe(true);
	});

	it('fail an import that runs up a layer: rollup into query', () => {
		const result = checkImports(
			tree({
				'src/server/query/run.ts': 'export const q = 1;\n',
				'src/server/rollup/refresh.ts': "import { q } from '../query/run';\nexport const r = q;\n",
			}),
			['src'],
		);
		expect(result.ok).toBe(false);
		expect(result.output).toContain('no-upward-from-rollup');
	});

	it('fail a cycle inside one layer', () => {
		const result = checkImports(
			tree({
				'src/server/query/a.ts': "import { b } from './b';\nexport const a = b;\n",
				'src/server/query/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
			}),
			['src'],
		);
		expect(result.ok).toBe(false);
		expect(result.output).toContain('no-circular');
	});

	it('fail a migration that imports live code', () => {
		const result = checkImports(
			tree({
				'src/server/schema/tables.ts': 'export const T = 1;\n',
				'migrations/001-x.ts': "import { T } from '../src/server/schema/tables';\nexport const up = T;\n",
			}),
			['src', 'migrations'],
		);
		expect(result.ok).toBe(false);
		expect(result.output).toContain('migrations-are-frozen');
	});

	it('fail the panel importing server code, and a server file outside the layers', () => {
		const result = checkImports(
			tree({
				'src/server/schema/tables.ts': 'export const T = 1;\n',
				'src/server/loose.ts': 'export const L = 1;\n',
				'src/dashboard-panel/use-data.ts':
					"import { T } from '../server/schema/tables';\nimport { L } from '../server/loose';\nexport const p = T + L;\n",
			}),
			['src'],
		);
		expect(result.ok).toBe(false);
		expect(result.output).toContain('app-never-imports-server');
		expect(result.output).toContain('server-files-in-layers');
	});
});
