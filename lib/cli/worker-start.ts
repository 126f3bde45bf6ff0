// Extraction workers started at the very beginning of `getcol -t N` (main.ts), before the reader's
// modules are loaded and the archive is opened: a worker needs ~0.1 s to boot node in its thread
// and load its bundle, which then overlaps the main thread's own start-up instead of following it.
// getcol takes them over (takeStartedWorkers), or dismisses them when it works alone. Which runs
// start workers early is decided in main.ts (workersToPrestart), which loads this module only then.
//
// main.js loads this module unbundled and read-bundle.js holds its own copy, so the hand-over goes
// through a global slot rather than module state.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';

// node:worker_threads is loaded when a worker is started: read.ts imports this module for every
// getcol, and loading it costs ~5 ms of start-up.
let WorkerClass: typeof Worker | undefined;
function newWorker(file: string): Worker {
  WorkerClass ??= (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).Worker;
  return new WorkerClass(file);
}

// The one-module bundle of the worker (scripts/build-cli.mjs) starts much faster than the ~30
// modules it is made of; both sit beside this file (or beside read-bundle.js, which includes it).
const compiledWorker = fileURLToPath(new URL('./extract-worker.js', import.meta.url));
const bundledWorker = fileURLToPath(new URL('./extract-worker-bundle.js', import.meta.url));

let file: string | undefined;

/** The worker module to run, or undefined when running from TypeScript sources (tests). */
export function extractWorkerFile(): string | undefined {
  if (file === undefined) file = fs.existsSync(bundledWorker) ? bundledWorker : fs.existsSync(compiledWorker) ? compiledWorker : '';
  return file || undefined;
}

const SLOT = Symbol.for('agc-node.startedExtractWorkers');
type Slot = { [SLOT]?: Worker[] };

/** A new extraction worker; it waits for its WorkerInit message (extract-worker.ts). */
export function startExtractWorker(): Worker {
  const f = extractWorkerFile();
  if (f === undefined) throw new Error('the extraction worker module is missing');
  return newWorker(f);
}

/** Start `count` workers now for a later takeStartedWorkers(). */
export function prestartExtractWorkers(count: number): void {
  if (count < 1 || extractWorkerFile() === undefined) return;
  const slot = globalThis as Slot;
  const workers = (slot[SLOT] ??= []);
  for (let i = 0; i < count; i++) {
    const w = newWorker(extractWorkerFile()!);
    // Until a command takes it over, a failing worker must not bring the process down, nor an
    // unused one keep it alive.
    w.on('error', () => undefined);
    w.unref();
    workers.push(w);
  }
}

/** The workers started by prestartExtractWorkers (at most `max`); the others are dismissed. */
export function takeStartedWorkers(max: number): Worker[] {
  const slot = globalThis as Slot;
  const workers = slot[SLOT] ?? [];
  slot[SLOT] = [];
  for (const w of workers.splice(Math.max(0, max))) dismissWorker(w);
  for (const w of workers) {
    w.removeAllListeners('error');
    w.ref();
  }
  return workers;
}

/**
 * Let a worker that got no work end on its own (a null message closes its port); terminate() is
 * avoided as it can abort the process while the worker is inside a native call.
 */
export function dismissWorker(w: Worker): void {
  w.postMessage(null);
  w.unref();
}
