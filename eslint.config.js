// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules a workflow may never import: workflow code must stay deterministic (DESIGN.md §3.7). */
const forbiddenInWorkflows = [
  { group: ['node:*'], message: 'Node built-ins are not deterministic; do it in an activity.' },
  { group: ['pg', 'pg-*'], message: 'Database access belongs in activities.' },
  { group: ['hono', 'hono/*', '@hono/*'], message: 'HTTP belongs in the API.' },
  { group: ['zod', 'zod/*'], message: 'Validate at the edge, not in workflows.' },
  { group: ['pino'], message: 'Use the workflow logger from @temporalio/workflow.' },
  { group: ['**/activities/*', '**/activities/**'], allowTypeImports: true, message: 'Workflows see activities only as a type: import type.' },
];
const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'process', 'url', 'util', 'events', 'stream', 'timers'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not deterministic; do it in an activity.' })), patterns: forbiddenInWorkflows }],
    },
  },
  {
    // All Temporal client code lives in src/temporal (starts, signals, updates, queries and the one
    // reading of their errors); the API and the relay call it and never reach into activities.
    files: ['src/api/**/*.ts', 'src/relay/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@temporalio/client', allowTypeImports: true, message: 'Talk to Temporal through src/temporal (start.ts, signals.ts, updates.ts, queries.ts).' }],
          patterns: [{ group: ['**/activities/*', '**/activities/**', '**/activities'], message: 'The API does not import activity code; shared Temporal steps live in src/temporal, rules in src/domain, queries in src/db.' }],
        },
      ],
    },
  },
  {
    // Handlers read bodies through their route's schema (c.req.valid); only the journaling readers
    // (callbacks, statement files) take c.req.raw, with a cap.
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.property.name='req'][callee.property.name=/^(json|text|parseBody|formData|arrayBuffer|blob)$/]",
          message: 'Read the body validated: declare it on the route and use c.req.valid(...).',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      // Tests read HTTP bodies as untyped JSON on purpose and assert on them field by field.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
