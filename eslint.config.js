// Keeps the runtimes apart: `electron` only in src-main/electron and src-main/preload; no Node
// built-ins in the renderer or the shared contract; no raw ipcRenderer outside the preload.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronOnlyHere = ['src-main/electron/**', 'src-main/preload/**'];
const noElectron = {
  name: 'electron',
  message: 'electron may be imported only in src-main/electron/ and src-main/preload/ (hand Electron objects to services instead).',
};
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'net', 'tls', 'crypto', 'child_process', 'http', 'https'];

export default tseslint.config(
  { ignores: ['out/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'assets/**', '.vite/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: electronOnlyHere,
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['electron/*'], message: noElectron.message }] }],
    },
  },
  {
    files: ['shared/**', 'src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [{ group: nodeBuiltins, message: 'shared/ and src-renderer/ run in the browser: no Node built-ins.' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No Node globals in shared/ or the renderer.' }, { name: 'require', message: 'No require in shared/ or the renderer.' }],
    },
  },
  {
    files: ['scripts/**/*.mjs', '*.config.{js,ts}', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
