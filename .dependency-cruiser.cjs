// The layers of src/, bottom first. A module imports its own folder or a layer below it, never one above:
// data flows capture → queue → store → rollup → query → cache → endpoint → panel, and the services layer is
// the only place that composes the stages. `npm test` runs this (scripts/check-imports.mjs).
const SERVER_LAYERS = [
	'schema',
	'migrations',
	'capture',
	'store',
	'queue',
	'writer',
	'members',
	'rollup',
	'retention',
	'privacy',
	'triggers',
	'query',
	'cache',
	'maintenance',
	'services',
	'cli',
];
const layerPath = (name) => `^src/server/${name}/`;

const upward = SERVER_LAYERS.map((name, index) => ({
	name: `no-upward-from-${name}`,
	severity: 'error',
	comment: `${name} sits below ${SERVER_LAYERS.slice(index + 1).join(', ') || 'the entries'}: it may not import them`,
	from: { path: layerPath(name) },
	to: {
		path: [
			...SERVER_LAYERS.slice(index + 1).map(layerPath),
			'^src/(activity-writer-hook|analytics-endpoint|maintenance-operation|dashboard-panel)/',
		],
	},
}));

module.exports = {
	forbidden: [
		{ name: 'no-circular', severity: 'error', comment: 'import cycles', from: {}, to: { circular: true } },
		...upward,
		{
			name: 'server-files-in-layers',
			severity: 'error',
			comment: 'every server module lives in a layer folder',
			from: { path: '^src/' },
			to: { path: `^src/server/(?!(${SERVER_LAYERS.join('|')})/)` },
		},
		{
			name: 'shared-is-isomorphic',
			severity: 'error',
			comment: 'src/shared is for the API and the panel alike',
			from: { path: '^src/shared/' },
			to: { path: '^src/(?!shared/)' },
		},
		{
			name: 'shared-has-no-node',
			severity: 'error',
			from: { path: '^src/(shared|dashboard-panel)/' },
			to: { dependencyTypes: ['core'] },
		},
		{
			name: 'app-never-imports-server',
			severity: 'error',
			comment: 'the app bundle runs in the browser',
			from: { path: ['^src/dashboard-panel/', '^src/maintenance-operation/app\\.ts$'] },
			to: {
				path: [
					'^src/server/',
					'^src/(activity-writer-hook|analytics-endpoint)/',
					'^src/maintenance-operation/api\\.ts$',
				],
			},
		},
		{
			name: 'nothing-imports-entries',
			severity: 'error',
			comment: 'entry folders only wire things up',
			from: { path: '^src/' },
			to: {
				path: '^src/(activity-writer-hook|analytics-endpoint|maintenance-operation)/',
				pathNot: '^src/(activity-writer-hook|analytics-endpoint|maintenance-operation)/',
			},
		},
		{
			name: 'migrations-are-frozen',
			severity: 'error',
			comment: 'a migration carries its own SQL, so later code changes never change it',
			from: { path: '^migrations/' },
			to: { path: '^(src|scripts)/' },
		},
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		exclude: { path: ['node_modules', '^dist/'] },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.vue', '.json'] },
	},
};
