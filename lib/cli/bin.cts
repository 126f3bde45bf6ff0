#!/usr/bin/env node
// The agc-node command (package.json "bin"). CommonJS, so that it runs before any ES module is
// loaded: node reads ES modules through libuv's thread pool, whose size is fixed at its first use,
// and getcol/getset decode on that pool, -t jobs at a time. libuv's default of 4 threads would
// cap -t at 4 on a larger machine.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { requireWithCodeCache } from './code-cache.cjs';
import type { EarlyStart } from './early-start.cjs';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  // libuv accepts at most 1024
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, availableParallelism())));
}

// A plain `getset <archive> <sample>` begins decoding now, on the pool, while the code below
// loads (its module is loaded for getset only: other commands would pay ~0.4 ms for nothing).
const early =
  process.argv[2] === 'getset'
    ? (module.require('./early-start.cjs') as typeof import('./early-start.cjs')).startEarly(process.argv.slice(2), path.resolve(__dirname, '..', '..', '..'))
    : undefined;

interface Cli {
  provideModuleLoaders(read?: () => Promise<unknown>, importModule?: (specifier: string) => Promise<unknown>): void;
  offerWarmStart?(offer: EarlyStart): void;
  runFromCommandLine(): Promise<void>;
}

const cannotStart = (e: unknown): void => {
  process.stderr.write(`agc-node: cannot start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
  process.exitCode = 1;
};

// The one-file CommonJS build (cli-entry.ts; made by `npm run build:ts` where esbuild is there)
// starts without node's ES module loader and with a code cache; else the ES modules.
let cli: Cli | undefined;
try {
  cli = requireWithCodeCache(path.join(__dirname, 'cli.cjs')) as Cli;
} catch (e) {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') cannotStart(e);
}
if (cli) {
  // the write side is an ES module bundle: imported from here, where import() works
  cli.provideModuleLoaders(undefined, (specifier) => import(specifier));
  if (early && cli.offerWarmStart) cli.offerWarmStart(early);
  else early?.warm.close();
  void cli.runFromCommandLine();
} else {
  // (the unbundled modules take no warm start)
  early?.warm.close();
  if (process.exitCode === undefined) import('./main.js').then((m) => m.runFromCommandLine(), cannotStart);
}
