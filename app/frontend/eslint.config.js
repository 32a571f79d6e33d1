// Flat config after the Vite react-ts template, plus the bulletproof-react import direction:
// shared code (components, lib, config, types, utils, testing) never imports features or the
// app; a feature never imports another feature; only app/ composes them.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import { readdirSync } from 'node:fs';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }]
});

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'coverage'] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ['**/*.{ts,tsx}'],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { 'react-hooks': reactHooks, 'react-refresh': reactRefresh },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'react-refresh/only-export-components': ['warn', { allowConstantExport: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true }
      ],
      'no-console': 'error'
    }
  },
  {
    // The config itself and the Node scripts (serve.mjs).
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2023, globals: globals.node }
  },
  {
    files: ['src/{components,lib,config,types,utils,testing}/**/*.{ts,tsx}'],
    rules: restrict([
      {
        group: ['@/features/*', '@/app/*', '../features/*', '../app/*'],
        message: 'Shared code must not depend on features or the app.'
      }
    ])
  },
  ...features.map((feature) => ({
    files: [`src/features/${feature}/**/*.{ts,tsx}`],
    rules: restrict([
      {
        group: ['@/features/*', `!@/features/${feature}`],
        message: 'A feature must not import another feature: compose them in src/app.'
      },
      { group: ['@/app/*'], message: 'Features must not import the app layer.' }
    ])
  })),
  {
    files: ['src/testing/**', '**/__tests__/**', 'e2e/**', '*.config.ts', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off', 'react-refresh/only-export-components': 'off' }
  },
  {
    files: ['e2e/**', '*.config.ts', 'scripts/**/*.mjs'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' }
  }
);
