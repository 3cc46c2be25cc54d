/**
 * End-to-end tests: the built API and builder (dist/) as real processes against
 * the services of `scripts/services.sh start test`. Run with `nx run e2e:e2e`.
 */
module.exports = {
  displayName: 'e2e',
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  moduleNameMapper: {
    '^@velociraptor/domain$': '<rootDir>/../libs/domain/src/index.ts',
  },
  testMatch: [
    '<rootDir>/api/**/*.e2e-spec.ts',
    '<rootDir>/web/**/*.e2e-spec.ts',
    '<rootDir>/workspace/**/*.e2e-spec.ts',
  ],
  // Whole builds run inside the tests; a stuck one must not hang the run forever.
  testTimeout: 600_000,
};
