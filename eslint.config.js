// Keeps the runtimes apart: `electron` only in src-main/electron and src-main/preload; no Node
// built-ins in the renderer or the shared contract; no raw ipcRenderer outside the preload.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronOnlyHere = ['src-main/electron/**', 'src-main/preload/**'];
const noElectron = {
  name: 'electron',
  message: 'electron may be imported only in src-main/electron/ and src-main/preload/ (hand Electron objects to services instead).',
};
// src-main/ipc and src-main/services are plain Node, tested without Electron: they may not reach into
// the Electron glue either (ipc -> electron/policy -> ipc was a folder cycle). What both need lives in a
// plain module (e.g. services/link-policy.ts) that src-main/electron imports too.
const noElectronFolder = {
  // Relative imports only (the electron package itself has its own rule): '../electron/policy', '../../electron'.
  regex: '^(?:\\.\\./)+electron(?:/|$)',
  message: 'src-main/ipc and src-main/services may not import from src-main/electron/: move what both need to a plain module (e.g. services/link-policy.ts).',
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
    // Replaces the rule above for these folders (flat config does not merge a rule's options), so it repeats it.
    files: ['src-main/ipc/**', 'src-main/services/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [{ group: ['electron/*'], message: noElectron.message }, noElectronFolder] },
      ],
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
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs', '*.config.{js,ts}', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
