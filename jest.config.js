// Two projects: unit tests (mocks allowed) and integration tests (committed bundles as subprocesses
// against real components). Run one with `--selectProjects unit` or `--selectProjects integration`.
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] }
}

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.itg.test.ts']
    }
  ],
  // Integration tests start real processes (docker builds, ssh, helm); unit tests stay far below this.
  testTimeout: 300000,
  // longest files first, from durations kept by path inside the project (a fresh clone benefits too)
  testSequencer: '<rootDir>/scripts/lib/sequencer.mjs',
  // one scratch folder for the run, removed at its end (__tests__/scratch.mjs)
  globalSetup: '<rootDir>/__tests__/scratch.mjs',
  globalTeardown: '<rootDir>/__tests__/scratch.mjs'
}
