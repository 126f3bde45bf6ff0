#!/usr/bin/env node
// The agc-node command (package.json "bin"). CommonJS, so that it runs before any ES module is
// loaded: node reads ES modules through libuv's thread pool, whose size is fixed at its first use,
// and getcol/getset decode on that pool, -t jobs at a time. libuv's default of 4 threads would
// cap -t at 4 on a larger machine.
import { availableParallelism } from 'node:os';
import { writeSync } from 'node:fs';
import path from 'node:path';
import { requireWithCodeCache } from './code-cache.cjs';
import type { EarlyStart } from './early-start.cjs';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  // libuv accepts at most 1024
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, availableParallelism())));
}

// A plain `getset <archive> <sample>` begins decoding now, on the pool, while the code below
// loads (its module is loaded for getset only: other commands would pay ~0.4 ms for nothing).
// When its output can be written from here, the decode makes the whole text and the command's
// code is not loaded at all unless the decode could not (then the command runs as usual, and
// reports whatever made it fail).
const startEarly = (whole: boolean): EarlyStart | undefined =>
  process.argv[2] === 'getset'
    ? (module.require('./early-start.cjs') as typeof import('./early-start.cjs')).startEarly(
        process.argv.slice(2),
        path.resolve(__dirname, '..', '..', '..'),
        whole,
      )
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

function runCommand(early: EarlyStart | undefined): void {
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
}

/**
 * The whole text to fd 1 as the command's standard output writes it (cli/common.ts StdoutOutput):
 * blocking writes; a reader that closed the pipe ends the run quietly with 0; a non-blocking
 * descriptor (EAGAIN) gets the rest through process.stdout; other failures are one line and 1.
 */
function writeWhole(text: Buffer): void {
  const failed = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`agc-node getset: cannot write to standard output: ${e.code === 'ENOSPC' ? 'no space left on device' : e.message.split('\n')[0]}\n`);
    process.exit(1);
  };
  let at = 0;
  try {
    while (at < text.length) at += writeSync(1, text, at, text.length - at);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') failed(e as NodeJS.ErrnoException);
    process.stdout.on('error', failed);
    process.stdout.write(text.subarray(at));
    return; // (node exits once the stream has written it)
  }
  process.exit(0);
}

const early = startEarly(true);
if (early?.whole) {
  early.warm.fasta.then(
    (text) => {
      early.warm.close();
      if (text) writeWhole(text);
      else runCommand(startEarly(false));
    },
    () => runCommand(startEarly(false)),
  );
} else {
  runCommand(early);
}
