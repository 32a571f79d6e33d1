// Flat config: typescript-eslint's type-aware rules on the actions and tests;
// formatting belongs to Prettier, so eslint-config-prettier switches off style rules.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // app/frontend lints with its own config (React rules, import direction), run by the
    // frontend suite; app/backend is Python (ruff).
    ignores: ['**/dist/**', 'node_modules/**', 'app/**', '.venv*/**', 'coverage/**', 'artifacts/**']
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      // The root tsconfig.json for every file: actions/tsconfig.json is only ncc's (it would
      // make a second program here).
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error'
    }
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked
  },
  {
    files: ['**/__tests__/**', 'tests/**', 'scripts/**'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off'
    }
  },
  prettier
);
