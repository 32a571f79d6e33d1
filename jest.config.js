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
  roots: [
    '<rootDir>/actions',
    '<rootDir>/tests',
    '<rootDir>/terraform',
    '<rootDir>/monitoring',
    '<rootDir>/compose',
    '<rootDir>/docker',
    '<rootDir>/scripts'
  ],
  testMatch: ['**/__tests__/**/*.test.ts', '**/tests/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/'],
  testTimeout: 60000,
  verbose: false
};
