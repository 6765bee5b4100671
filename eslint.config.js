// Import boundaries (docs/architecture.md): shared/ stays pure, the renderer never touches tfjs or Node,
// and only main/training/ may load a TensorFlow backend.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import importGraph from './scripts/eslint-import-graph.mjs';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'url',
  'util',
  'stream',
];

// Outside main/training/kernels/, the kernels are reached through their index only: any other module of that
// folder is an internal that may change with the kernels ('./kernels/x.js', '../training/kernels/x.js', …).
const kernelsDoor = {
  regex: '(^|/)kernels/(?!index\\.js$)[^/]+$',
  message: 'Import the kernels through main/training/kernels/index.js, their one door (issue #14).',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'runs/**',
      'out/**',
      '.venv/**',
      '.venv-*/**',
      '.scratch/**',
      'test-results/**',
      'playwright-report/**',
      'main/training/kernels/assembly/**',
      'bench/wasm-peak/**',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript run by Node: the build and test scripts, the benchmark driver, the launcher, kernel threads.
    files: ['**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/*'], message: 'shared/ is pure TypeScript: no TensorFlow.' },
            { group: ['electron', 'react', 'react-dom'], message: 'shared/ is pure TypeScript: no Electron or React.' },
            { group: nodeBuiltins, message: 'shared/ is pure TypeScript: no Node built-ins.' },
            { group: ['../main/*', '../renderer/*'], message: 'shared/ imports nothing from main/ or renderer/.' },
          ],
        },
      ],
    },
  },
  {
    // No import cycle (issue #14): between the renderer's top folders (features, api, state, lib, components, hosts)
    // and between shared/'s modules. Tests may import across.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'],
    plugins: { graph: importGraph },
    rules: { 'graph/no-cycle': ['error', { root: 'renderer', level: 'folder' }] },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    plugins: { graph: importGraph },
    rules: { 'graph/no-cycle': ['error', { root: 'shared', level: 'file' }] },
  },
  {
    // The two classic hooks rules only (not the plugin's React Compiler rules): hooks called unconditionally, and
    // effect / memo / callback dependency lists that name what they read.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*'],
              message: 'The renderer never loads TensorFlow: training runs in the main-side worker.',
            },
            {
              group: nodeBuiltins,
              message: 'The renderer has no Node built-ins; go through the API in shared/api.ts.',
            },
            { group: ['../main/*', '../../main/*'], message: 'The renderer talks to main only through the typed API.' },
          ],
        },
      ],
    },
  },
  {
    // Renderer unit tests run in Node (node:test); the app code they test stays free of Node.
    files: ['renderer/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/training/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*'],
              message: 'Only main/training/ loads TensorFlow (the backend chooser lives there).',
            },
            kernelsDoor,
          ],
        },
      ],
    },
  },
  {
    // The one door to the kernels (issue #14). bench/native-kernels.ts times the kernels' own forward and backward
    // passes on each provider, which the door deliberately does not offer.
    files: ['main/training/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['main/training/kernels/**', 'bench/native-kernels.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [kernelsDoor] }] },
  },
);
