import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One throwaway PostgreSQL cluster per run, started only when a test asks for it (test/helpers/postgres.ts).
    globalSetup: ['test/helpers/postgres-setup.ts'],
    // Most files wait (child processes, sockets, PostgreSQL, timers), so more workers than cores (vitest's default
    // on this 2-core machine is 1) overlap the waits. Each file still runs in its own fresh worker (isolation).
    maxWorkers: 4,
    // Workers share two cores: a test that takes 2 s alone can take 10 s here, which is not a failure.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
