import { defineConfig } from 'vitest/config';

// Test kinds are in the file names: *.unit.test.ts (pure logic, in-memory), *.int.test.ts (real
// PostgreSQL / PGlite / Kafka), *.e2e.test.ts (the HTTP API, in-process or as a real process).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
