// Whole-collection extraction (getcol -t N) on worker threads: samples are handed out one at a
// time to N workers, each decoding with its own AgcArchive; the main thread writes the results in
// archive order. A window of 2N samples bounds how much finished output may wait in memory.
// With -o DIR the workers write their sample files themselves (atomically) and only report.
import path from 'node:path';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { ClaimTask, RecycleTask, SampleTask, WorkerInit, WorkerReply } from './extract-worker.js';
import type { SharedPartsInit } from '../read/shared-parts.js';
import { extractWorkerFile, startExtractWorker, takeStartedWorkers } from './worker-start.js';
import { openOutput, writeStderr } from './common.js';
import { AgcError, AgcErrorCode, deserializeError } from '../errors.js';

export interface ParallelExtractOptions {
  archivePath: string;
  samples: string[];
  lineLength: number;
  gzip: number;
  threads: number;
  /** Output folder; stdout when undefined. */
  output: string | undefined;
  /** File name suffix with -o (".fa" or ".fa.gz"). */
  ext: string;
  verbosity: number;
  /** Decoded parts shared by the workers. */
  shared?: SharedPartsInit;
}

/** False when running from TypeScript sources (tests), where the compiled worker is absent. */
export function parallelAvailable(): boolean {
  return extractWorkerFile() !== undefined;
}

/** Give the buffer of a written chunk back to the worker that made it. */
function recycle(w: Worker, chunk: Uint8Array): void {
  const buffer = chunk.buffer;
  if (!(buffer instanceof ArrayBuffer)) return;
  w.postMessage({ type: 'recycle', buffer } satisfies RecycleTask, [buffer]);
}

/** `n` workers set up with `init`: those started early by main.ts first, then new ones. */
function workersWith(n: number, init: WorkerInit): Worker[] {
  const workers = takeStartedWorkers(n);
  while (workers.length < n) workers.push(startExtractWorker());
  for (const w of workers) w.postMessage(init);
  return workers;
}

export async function extractParallel(o: ParallelExtractOptions): Promise<void> {
  const n = Math.max(1, Math.min(o.threads, o.samples.length));
  // Set to 1 to make workers drop their current sample (checked between contigs).
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workers = workersWith(n, { type: 'init', archivePath: o.archivePath, lineLength: o.lineLength, gzip: o.gzip, stop, shared: o.shared });
  const out = o.output === undefined ? openOutput(undefined) : undefined;

  // Per sample: chunks received but not yet written, whether it is complete, and its worker.
  const pending = new Map<number, { chunks: Uint8Array[]; done: boolean; worker: Worker }>();
  let nextToAssign = 0;
  let nextToWrite = 0;
  const window = 2 * n;

  let fail: (e: Error) => void = () => undefined;
  let progress: () => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);

  const assign = (w: Worker) => {
    if (nextToAssign >= o.samples.length || nextToAssign >= nextToWrite + window) return false;
    const index = nextToAssign++;
    pending.set(index, { chunks: [], done: false, worker: w });
    const task: SampleTask = { index, name: o.samples[index] };
    if (o.output !== undefined) {
      task.file = path.join(o.output, o.samples[index] + o.ext);
      task.ext = o.ext;
    }
    w.postMessage(task);
    return true;
  };
  const idle: Worker[] = [];

  for (const w of workers) {
    w.on('message', (m: WorkerReply) => {
      if (m.type === 'error') {
        fail(deserializeError(m.error));
        return;
      }
      if (m.type === 'finished') return;
      const e = pending.get(m.index);
      if (!e) return;
      if (m.type === 'chunk') e.chunks.push(m.data);
      else {
        e.done = true;
        if (!assign(w)) idle.push(w);
      }
      progress();
    });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => {
      if (code !== 0) fail(new AgcError(AgcErrorCode.INTERNAL, `extraction worker exited with code ${code}`));
    });
  }

  try {
    for (const w of workers) if (!assign(w)) idle.push(w);
    while (nextToWrite < o.samples.length) {
      const e = pending.get(nextToWrite);
      if (e && e.chunks.length > 0) {
        const chunks = e.chunks;
        e.chunks = [];
        if (out)
          for (const c of chunks) {
            await out.writeReusable(c);
            recycle(e.worker, c);
          }
        continue;
      }
      if (e && e.done) {
        pending.delete(nextToWrite);
        if (o.output !== undefined && o.verbosity > 0)
          writeStderr(`${nextToWrite ? '\n' : ''}${path.join(o.output, o.samples[nextToWrite] + o.ext)}  (${nextToWrite + 1} of ${o.samples.length})`);
        nextToWrite++;
        // The window moved: idle workers may take new samples.
        while (idle.length && assign(idle[idle.length - 1])) idle.pop();
        continue;
      }
      await Promise.race([new Promise<void>((r) => (progress = r)), failed]);
    }
    if (o.output !== undefined && o.verbosity > 0 && o.samples.length) writeStderr('\n');
    if (out) await out.commit();
  } catch (e) {
    out?.abort();
    throw e;
  } finally {
    await shutDown(workers, stop);
  }
}

export interface SharedExtractOptions {
  archivePath: string;
  samples: string[];
  lineLength: number;
  gzip: number;
  /** Worker threads besides the main thread. */
  workers: number;
  /** Output folder, or undefined for `write`. */
  output: string | undefined;
  ext: string;
  verbosity: number;
  /** Extract sample i in the main thread (to the output, or its file with -o). */
  extractHere(i: number): Promise<void>;
  /**
   * Without -o: write bytes a worker produced (after the main thread's earlier samples); resolves
   * when `chunk` may be reused.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Decoded parts shared with the main thread's archive. */
  shared?: SharedPartsInit;
}

/**
 * Whole-collection extraction shared between the main thread and `workers` worker threads, for
 * collections too small for extractParallel (whose workers alone decode while the main thread
 * only writes, so that a worker's start-up is paid before any output). Here the main thread
 * extracts samples from the first one upwards while the workers start and then take samples from
 * the last one downwards; they meet where the work is split evenly, whatever the start-up cost.
 * Output stays in archive order; what the workers produce waits in memory until its turn (at
 * most the part of the collection they extracted).
 */
export async function extractShared(o: SharedExtractOptions): Promise<void> {
  const n = o.samples.length;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const claim = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n)));
  const workers = workersWith(Math.max(1, o.workers), {
    type: 'init',
    archivePath: o.archivePath,
    lineLength: o.lineLength,
    gzip: o.gzip,
    stop,
    shared: o.shared,
  });
  const results = new Map<number, { chunks: Uint8Array[]; done: boolean; worker?: Worker }>();
  const entry = (i: number) => {
    let e = results.get(i);
    if (!e) results.set(i, (e = { chunks: [], done: false }));
    return e;
  };
  let fail: (e: Error) => void = () => undefined;
  let progress: () => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  for (const w of workers) {
    w.on('message', (m: WorkerReply) => {
      if (m.type === 'error') fail(deserializeError(m.error));
      else if (m.type === 'chunk') {
        const e = entry(m.index);
        e.chunks.push(m.data);
        e.worker = w;
      } else if (m.type === 'done') entry(m.index).done = true;
      progress();
    });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`extraction worker exited with code ${code}`));
    });
    const task: ClaimTask = { claim, samples: o.samples };
    if (o.output !== undefined) task.files = o.samples.map((s) => path.join(o.output!, s + o.ext));
    w.postMessage(task);
  }
  const note = (i: number) => {
    if (o.output !== undefined && o.verbosity > 0) writeStderr(`${i ? '\n' : ''}${path.join(o.output, o.samples[i] + o.ext)}  (${i + 1} of ${n})`);
  };
  try {
    // Tests: let a worker finish a sample before the main thread starts, so that both paths run.
    if (process.env.AGC_NODE_SHARED_WORKER_FIRST === '1')
      while (![...results.values()].some((e) => e.done)) await Promise.race([new Promise<void>((r) => (progress = r)), failed]);
    let mine = true;
    for (let i = 0; i < n; i++) {
      if (mine && Atomics.compareExchange(claim, i, 0, 1) === 0) {
        note(i);
        await o.extractHere(i);
        continue;
      }
      // Claimed by a worker, and so is every later sample (workers claim a suffix).
      mine = false;
      for (;;) {
        const e = entry(i);
        if (e.chunks.length > 0) {
          const chunks = e.chunks;
          e.chunks = [];
          for (const c of chunks) {
            await o.write(c);
            recycle(e.worker!, c);
          }
          continue;
        }
        if (e.done) break;
        await Promise.race([new Promise<void>((r) => (progress = r)), failed]);
      }
      results.delete(i);
      note(i);
    }
    if (o.output !== undefined && o.verbosity > 0 && n) writeStderr('\n');
  } finally {
    await shutDown(workers, stop);
  }
}

/**
 * Let every worker finish on its own: stop flag, then a null task, which makes it close the
 * archive and its port. Terminating a worker while it is inside a native call can abort the whole
 * process, so terminate() is only the fallback for a worker that does not exit within a while.
 */
async function shutDown(workers: Worker[], stop: Int32Array): Promise<void> {
  Atomics.store(stop, 0, 1);
  const exited = workers.map((w) => {
    w.removeAllListeners('exit');
    w.removeAllListeners('message');
    w.on('error', () => undefined);
    const e = once(w, 'exit').then(() => undefined);
    w.postMessage(null);
    return e;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), 10_000)));
  if ((await Promise.race([Promise.all(exited), late])) === 'late') for (const w of workers) void w.terminate();
  clearTimeout(timer);
}
