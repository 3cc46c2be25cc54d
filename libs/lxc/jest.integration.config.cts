// Integration tests on real LXC: must run as root on a host with LXC 5
// (`apt-get install lxc`). Base images are built/cached by
// scripts/fixtures/make-base-images.sh.
module.exports = {
  displayName: 'lxc-integration',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  testTimeout: 120000,
};
