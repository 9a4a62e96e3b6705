import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectDirectusVersion, revisionShapeFor, versionAtLeast } from '../../src/server/capture/directus-version';

describe('the running Directus version', () => {
	it('is read up from the CLI script, or from the project folder that installed it', () => {
		const root = mkdtempSync(join(tmpdir(), 'dv-'));
		const cli = join(root, 'project', 'node_modules', 'directus');
		mkdirSync(cli, { recursive: true });
		writeFileSync(join(cli, 'package.json'), JSON.stringify({ name: 'directus', version: '11.4.0' }));
		writeFileSync(join(root, 'project', 'package.json'), JSON.stringify({ name: 'my-project', version: '1.0.0' }));
		expect(detectDirectusVersion([cli])).toBe('11.4.0');
		expect(detectDirectusVersion([join(root, 'project', 'extensions')])).toBe('11.4.0');
		expect(detectDirectusVersion([join(root, 'elsewhere')])).toBeNull();
	});

	it('compares versions numerically', () => {
		expect(versionAtLeast('11.17.0', '11.17.0')).toBe(true);
		expect(versionAtLeast('11.16.1', '11.17.0')).toBe(false);
		expect(versionAtLeast('12.0.2', '11.17.0')).toBe(true);
		expect(versionAtLeast('11.4.0', '11.16.0')).toBe(false);
		expect(versionAtLeast('11.10.0', '11.9.2')).toBe(true);
	});

	it('writes revisions the way that version does (relational fields left out since 11.17.0)', () => {
		expect(revisionShapeFor('11.4.0')).toBe('whole-payload');
		expect(revisionShapeFor('11.16.1')).toBe('whole-payload');
		expect(revisionShapeFor('11.17.4')).toBe('omit-relations');
		expect(revisionShapeFor('12.4.0')).toBe('omit-relations');
		expect(revisionShapeFor(null)).toBe('omit-relations');
	});
});
