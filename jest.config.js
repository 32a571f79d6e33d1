import { existsSync } from 'node:fs';

// Jest runs the TypeScript sources as native ESM (the @actions/* packages are ESM-only),
// the way GitHub's actions/typescript-action template does.
/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }
    ]
  },
  // Only folders that exist: Jest refuses a missing root.
  roots: ['actions', 'tests', 'terraform', 'monitoring', 'compose', 'docker', 'scripts']
    .filter((dir) => existsSync(dir))
    .map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/__tests__/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/'],
  testTimeout: 60000,
  verbose: false
};
