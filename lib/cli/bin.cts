#!/usr/bin/env node
// The agc-node command (package.json "bin"). CommonJS, so that it runs before any ES module is
// loaded: node reads ES modules through libuv's thread pool, whose size is fixed at its first use,
// and getcol/getset decode on that pool, -t jobs at a time. libuv's default of 4 threads would
// cap -t at 4 on a larger machine.
import { availableParallelism } from 'node:os';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  // libuv accepts at most 1024
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, availableParallelism())));
}

import('./main.js').then(
  (m) => m.runFromCommandLine(),
  (e: unknown) => {
    process.stderr.write(`agc-node: cannot start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    process.exitCode = 1;
  },
);
