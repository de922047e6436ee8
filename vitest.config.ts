import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One throwaway PostgreSQL cluster per run, started only when a test asks for it (test/helpers/postgres.ts).
    globalSetup: ['test/helpers/postgres-setup.ts'],
  },
});
