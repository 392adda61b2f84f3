import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test/.artifacts/**', 'backend/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Un-awaited promises hide error paths (tests and handlers that never fail).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core must stay independent of HTTP, UI and process control.
    files: ['backend/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '@fastify/*', 'react', '@docker/*', 'dockerode'],
              message: 'core knows nothing of HTTP, UI or the engine client',
            },
            {
              group: [
                '../docker/*',
                '../http/*',
                '../cli/*',
                '../../docker/*',
                '../../http/*',
                '../../cli/*',
              ],
              message: 'dependencies point into core, never out of it',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'core throws LensError instead' },
      ],
    },
  },
);
