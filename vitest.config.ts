import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Files that wait the longest start first, whatever their size or the results cache says (a clean clone has no
 * cache and vitest then starts the largest files first): the others fill the workers around them.
 */
const START_FIRST = ['test/delivery/replicas.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = START_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? START_FIRST.length : index;
    };
    return sorted.map((file, order) => ({ file, order })).sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order).map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    // One throwaway PostgreSQL cluster per run, started only when a test asks for it (test/helpers/postgres.ts).
    globalSetup: ['test/helpers/postgres-setup.ts'],
    // Most files wait (child processes, sockets, PostgreSQL, timers), so more workers than cores (vitest's default
    // on this 2-core machine is 1) overlap the waits.
    maxWorkers: 4,
    // A worker runs its files in one module graph instead of re-importing src/ and the SDKs for each of 115
    // files: vitest's summed import time 125 s → 20 s, the run 133 s → 87 s. Safe here because no test mocks
    // a module, stubs a global, fakes the global timers or writes process.env (each file builds its own bot,
    // store and fakes); the shared graph also runs Slack and Discord code in one process as production does
    // (it found the undici dispatcher clash, src/adapters/discord/agent.ts). Checked with shuffled file order.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    // Workers share two cores: a test that takes 2 s alone can take 10 s here, which is not a failure.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
