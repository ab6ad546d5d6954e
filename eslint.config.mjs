// Lint rules, including the layer boundaries of DESIGN.md:
// core is the kernel (no vscode, nothing above it), webview is browser code (no vscode).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'Only src/extension may import vscode (DESIGN.md, layers).' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', 'demo/**', '.vscode-test/**', 'bench/data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|describe|suite|test|context)$/]",
          message: 'A focused test (.only) skips the rest of the suite.',
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { group: ['**/extension/**', '**/extension', '**/cli/**', '**/cli', '**/webview/**'], message: 'src/core imports nothing above it (DESIGN.md, layers).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode], patterns: [{ group: ['**/extension/**', '**/webview/**'], message: 'The CLI stands on core only.' }] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode], patterns: [{ group: ['**/core/**', '**/extension/**'], message: 'src/shared holds types only.' }] }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode], patterns: [{ group: ['**/src/core/**', '**/src/extension/**', 'node:*'], message: 'Webviews are browser code: only src/shared types.' }] }],
    },
  },
  {
    // The launcher evaluates small functions inside the workbench page.
    files: ['scripts/testIntegration.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
