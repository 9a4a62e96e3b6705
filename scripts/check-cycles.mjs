// Fails on import cycles in src/, scripts/ and test/. madge cannot parse .vue templates, so .vue files are
// left out of the graph: they import only composables and components, and only the panel entry imports one.
import madge from 'madge';
import { repoRoot } from './host-paths.mjs';

const graph = await madge(['src', 'scripts', 'test'], {
	baseDir: repoRoot,
	fileExtensions: ['ts', 'mjs'],
	tsConfig: 'tsconfig.json',
	dependencyFilter: (path) => !path.endsWith('.vue'),
});
const cycles = graph.circular();
const files = Object.keys(graph.obj()).length;
if (cycles.length > 0) {
	process.stderr.write(`import cycles found:\n${cycles.map((cycle) => `  ${cycle.join(' -> ')}`).join('\n')}\n`);
	process.exit(1);
}
process.stdout.write(`no import cycles in ${files} modules\n`);
