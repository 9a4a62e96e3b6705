import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['dist/', 'node_modules/', '.host/', 'test-results/', 'bench/results/'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	...vue.configs['flat/recommended'],
	{
		files: ['**/*.vue'],
		languageOptions: { parserOptions: { parser: tseslint.parser } },
	},
	{
		languageOptions: { globals: { ...globals.node }, ecmaVersion: 'latest', sourceType: 'module' },
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			// Directus panels are index.ts + panel.vue, as in core.
			'vue/multi-word-component-names': 'off',
		},
	},
	// Layout is Prettier's (npm test checks it); ESLint keeps to what it means.
	prettier,
	{
		// Domain code logs through the Directus logger only.
		files: ['src/**/*.{ts,vue}'],
		languageOptions: { globals: { ...globals.browser } },
		rules: { 'no-console': 'error' },
	},
);
