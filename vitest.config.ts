import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration suites start the local host as a child process; give them room on a 2-core box.
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Each integration file runs its own host; two at a time is what two cores carry well.
    maxWorkers: 2,
  },
});
