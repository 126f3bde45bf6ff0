#!/usr/bin/env node
// agc-node: command-line front end with upstream agc's commands and flags.
// Each side is loaded on demand: the read commands from ./read-entry.js, create and append from
// ./write-entry.js (or the bundle of each, see scripts/build-cli.mjs); every command is a function
// `(argv) => Promise<number>` resolving to the exit code.
import nodeModule, { createRequire } from 'node:module';
import { dropWarmStart } from './warm-start.js';

// Built-in modules are loaded with require() where they are needed: an import makes an ES module
// facade of each, which costs start-up time (see scripts/build-cli.mjs).
const require = createRequire(import.meta.url);

// Node >= 22.1 can keep V8's compiled code of the modules loaded below on disk (in the directory
// of NODE_COMPILE_CACHE, else a folder in the OS temp dir), which saves most of their compile
// time on the next run. Older versions lack the call and start as before.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

type Command = (argv: string[]) => Promise<number>;

/** Set by runFromCommandLine: the process is the agc-node command's, not a program importing main(). */
let ownsProcess = false;

const READ_COMMANDS = ['getcol', 'getset', 'getctg', 'listref', 'listset', 'listctg', 'info'] as const;
type ReadCommand = (typeof READ_COMMANDS)[number];

/** What each side's module exports besides its commands. */
interface SideModule {
  /** Ctrl-C and SIGTERM act at once, even during a long synchronous step (interrupt-cleanup.ts). */
  enableInterruptCleanup(): void;
}
type ReadModule = Record<ReadCommand, Command> & SideModule & { canExitAbruptly(): boolean };
let readModule: ReadModule | undefined;

/**
 * A side of the CLI: the one-module bundle that `npm run build:ts` makes beside this file when
 * esbuild is available (scripts/build-cli.mjs; ~0.1 s less start-up than ~35-40 modules), else the
 * compiled modules. `compiled` keeps its import literal, so that tests running the sources resolve it.
 */
async function importBundleOr<T>(bundle: string, compiled: () => Promise<unknown>): Promise<T> {
  try {
    // (an absolute URL: from the CommonJS build, cli-entry.ts, a relative one would resolve elsewhere)
    return (await importer(new URL(bundle, import.meta.url).href)) as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(bundle.slice(2))) throw e;
    return (await compiled()) as T;
  }
}

/** How the read side is loaded when main is bundled with it (cli-entry.ts). */
let readLoader: (() => Promise<unknown>) | undefined;
/** import() of the file that loaded main, when main's own cannot run (cli-entry.ts). */
let importer: (specifier: string) => Promise<unknown> = (specifier) => import(specifier);

/**
 * For the one-file build of the command line (cli-entry.ts): how to load the read side (bundled
 * with main), and an import() that works where this code runs (V8 code-cached, outside node's
 * module loader, see code-cache.cts). Either may be omitted.
 * @internal
 */
export function provideModuleLoaders(read?: () => Promise<unknown>, importModule?: (specifier: string) => Promise<unknown>): void {
  if (read) readLoader = read;
  if (importModule) importer = importModule;
}

async function loadReadCommands(): Promise<ReadModule> {
  readModule ??= (readLoader ? await readLoader() : await importBundleOr('./read-bundle.js', () => import('./read-entry.js'))) as ReadModule;
  return readModule;
}

const WRITE_COMMANDS = ['create', 'append'] as const;
type WriteCommand = (typeof WRITE_COMMANDS)[number];

function loadWriteCommands(): Promise<Record<WriteCommand, Command> & SideModule> {
  return importBundleOr('./write-bundle.js', () => import('./write-entry.js'));
}

function version(): string {
  try {
    // dist/lib/cli/main.js or lib/cli/main.ts
    for (const rel of ['../../../package.json', '../../package.json']) {
      try {
        const p = require(rel) as { name?: string; version: string };
        if (p.name === 'agc-node') return p.version;
      } catch {
        // try the next
      }
    }
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

// A function, so that reading package.json for the version is left to the runs that print it.
const usage = () => `agc-node ${version()}: read and write AGC archives (format 3.0, byte-identical to agc 3.2.2)
Usage: agc-node <command> [options] <arguments>
Commands that write an archive:
   create   compress a reference genome and further genomes into a new archive
   append   write a new archive that extends an existing one with more genomes
Commands that read an archive:
   getcol   write every sample as FASTA
   getset   write the named samples as FASTA
   getctg   write contigs, or ranges of contigs, as FASTA
   listref  print the name of the reference sample
   listset  print the names of all samples
   listctg  print the contig names of the named samples
   info     print the sample count, the compression parameters and the reference (on standard output)
Run \`agc-node <command> --help\` for the options of one command.
`;

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(usage());
    return 1;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if ((READ_COMMANDS as readonly string[]).includes(command)) {
    // Loaded lazily so that `create` does not pay for the read side, and a broken native addon
    // gives a one-line error rather than a module-loading stack trace.
    let read: ReadModule;
    try {
      read = await loadReadCommands();
    } catch (e) {
      process.stderr.write(`agc-node ${command}: cannot load the reader: ${(e as Error).message.split('\n')[0]}\n`);
      return 1;
    }
    // (only the command line's process: a library must not take over its host's signals)
    if (ownsProcess) read.enableInterruptCleanup();
    return read[command as ReadCommand](rest);
  }
  if ((WRITE_COMMANDS as readonly string[]).includes(command)) {
    // The compressor's worker threads collect garbage before the close stage when gc is exposed
    // (30-35 MiB less peak RSS each). Only the CLI owns its process, so only it sets this V8 flag,
    // once, before any worker exists.
    if (ownsProcess) (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
    let write: Record<WriteCommand, Command> & SideModule;
    try {
      write = await loadWriteCommands();
    } catch (e) {
      process.stderr.write(`agc-node ${command}: cannot load the compressor: ${(e as Error).message.split('\n')[0]}\n`);
      return 1;
    }
    if (ownsProcess) write.enableInterruptCleanup();
    return write[command as WriteCommand](rest);
  }
  process.stderr.write(`Unknown mode: ${command}\n${usage()}`);
  return 1;
}

/** true in the one-file build of the command line (scripts/build-cli.mjs), which bin.cts runs. */
declare const AGC_NODE_ONE_FILE_CLI: boolean | undefined;

// Run when executed directly (also through the npm bin symlink), not when imported by tests. The
// one-file build never is (bin.cts runs it), and skips the two realpath calls of the check.
const invokedDirectly = (() => {
  if (typeof AGC_NODE_ONE_FILE_CLI !== 'undefined' && AGC_NODE_ONE_FILE_CLI) return false;
  const script = process.argv[1];
  if (!script) return false;
  try {
    const fs = require('node:fs') as typeof import('node:fs');
    const url = require('node:url') as typeof import('node:url');
    return fs.realpathSync(script) === fs.realpathSync(url.fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

/** The command line's run: main() on process.argv, exit code and error line (bin.cts calls it). */
export async function runFromCommandLine(): Promise<void> {
  ownsProcess = true;
  // (interrupt cleanup is enabled by main() from the module of the command's side)
  main(process.argv.slice(2)).then(
    async (code) => {
      dropWarmStart();
      // A read command that wrote only to files or straight to fd 1 has nothing left to flush:
      // exit without node's teardown of the heap and the native objects.
      if ((READ_COMMANDS as readonly string[]).includes(process.argv[2]) && readModule?.canExitAbruptly()) process.exit(code);
      // create/append have committed the archive and stopped their workers by now; with nothing
      // queued on either console stream (writes to files, and on Linux to pipes, are synchronous)
      // the teardown of a heap of 100 MiB and more is skipped too (~20 ms).
      if ((WRITE_COMMANDS as readonly string[]).includes(process.argv[2]) && process.stdout.writableLength === 0 && process.stderr.writableLength === 0)
        process.exit(code);
      process.exitCode = code;
    },
    (err: unknown) => {
      dropWarmStart();
      process.stderr.write(`agc-node: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      if (process.argv.includes('-v') && process.argv[process.argv.indexOf('-v') + 1] === '2' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    },
  );
}

// (no top-level await: the one-file CommonJS build of the CLI, cli-entry.ts, cannot have one)
if (invokedDirectly) void runFromCommandLine();
