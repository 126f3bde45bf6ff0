// worker_threads side of parallel whole-sample extraction (see parallel-extract.ts). Each worker
// opens the archive itself (the native objects are per thread) and formats whole samples. Its
// settings come in the first message (WorkerInit), so that a worker can be started before the
// main thread knows them (worker-start.ts).
import { parentPort } from 'node:worker_threads';
import { AgcArchive } from '../read/agc-archive.js';
import { AtomicFile, type Output } from './common.js';
import { AgcAbortError, AgcError, AgcErrorCode, AgcInputError, serializeError, type SerializedError } from '../errors.js';
import { FastaSink } from './fasta-sink.js';
import type { SharedPartsInit } from '../read/shared-parts.js';

export interface WorkerInit {
  type: 'init';
  archivePath: string;
  lineLength: number;
  gzip: number;
  /** stop[0] becomes 1 when the main thread gives up: drop the current sample. */
  stop: Int32Array;
  /** Decoded parts shared with the other threads (AgcArchive.shareDecodedParts). */
  shared?: SharedPartsInit;
}

/** Main -> worker: extract sample `index` to the main thread, or into `file` when given. */
export interface SampleTask {
  index: number;
  name: string;
  file?: string;
  /** Extension at the end of `file` ('.fa' or '.fa.gz'). */
  ext?: string;
}

/**
 * Main -> worker, shared mode (parallel-extract.ts extractShared): claim samples from the last one
 * downwards and extract them until reaching one that the main thread (which goes upwards) has
 * claimed. claimed[i]: 0 free, 1 main thread, 2 a worker.
 */
export interface ClaimTask {
  claim: Int32Array;
  samples: string[];
  /** With -o DIR: the file of each sample. */
  files?: string[];
}

/**
 * Main -> worker: a buffer of a chunk that the main thread has written, returned for reuse
 * (filling fresh memory for every chunk costs page faults and garbage collections).
 */
export interface RecycleTask {
  type: 'recycle';
  buffer: ArrayBuffer;
}

/** Worker -> main. */
export type WorkerReply =
  | { type: 'chunk'; index: number; data: Uint8Array }
  | { type: 'done'; index: number }
  | { type: 'finished' }
  | { type: 'error'; index: number; error: SerializedError };

let init: WorkerInit | undefined;
const port = parentPort;
if (!port) throw new AgcError(AgcErrorCode.INTERNAL, 'extract-worker must run in a worker thread');

let archive: AgcArchive | undefined;
let sink: FastaSink | undefined;

const stopped = () => init !== undefined && Atomics.load(init.stop, 0) !== 0;

function openArchive(): AgcArchive {
  if (!archive) {
    archive = AgcArchive.openSync(init!.archivePath);
    // With shared parts each part is read once, by the thread that decodes it: a copy of the
    // whole file per thread would cost its size in memory for little.
    if (init!.shared) archive.shareDecodedParts(init!.shared);
    else archive.loadIntoMemory();
  }
  return archive;
}

/** Buffers the main thread returned (RecycleTask), for the next chunks. */
const pool: ArrayBuffer[] = [];
const POOL_MAX = 16;
/** Smallest posted buffer: FastaSink hands over 1 MiB at a time. */
const POST_MIN = 1 << 20;

/** An Output that posts copies of what it is given to the main thread (transferred, not cloned). */
class PostOutput implements Output {
  readonly synchronous = true;
  constructor(private readonly index: number) {}
  async write(chunk: Uint8Array | string): Promise<void> {
    const src = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let buffer = pool.pop();
    if (buffer === undefined || buffer.byteLength < src.length) buffer = new ArrayBuffer(Math.max(src.length, POST_MIN));
    const data = new Uint8Array(buffer, 0, src.length);
    data.set(src);
    port!.postMessage({ type: 'chunk', index: this.index, data } satisfies WorkerReply, [buffer]);
  }
  writeReusable(chunk: Uint8Array): Promise<void> {
    return this.write(chunk);
  }
  async commit(): Promise<void> {}
  abort(): void {}
}

async function extract(task: SampleTask): Promise<void> {
  const a = openArchive();
  const layout = a.sampleLayout(task.name);
  if (!layout) throw new AgcInputError(`There is no sample ${task.name}`);
  let out: Output = new PostOutput(task.index);
  if (task.file !== undefined) {
    // A sample name that is not UTF-8 keeps its stored bytes in the file name (format/names.ts).
    const raw = a.nameBytes(task.name);
    const fileBytes = raw.equals(Buffer.from(task.name, 'utf8'))
      ? undefined
      : Buffer.concat([Buffer.from(task.file.slice(0, task.file.length - task.name.length - (task.ext?.length ?? 0))), raw, Buffer.from(task.ext ?? '')]);
    out = new AtomicFile(task.file, fileBytes);
  }
  try {
    // one sink (and its buffers) for all the samples of this worker
    if (sink) await sink.retarget(out);
    else sink = new FastaSink(out, a, init!.lineLength, init!.gzip, true);
    for (const c of layout.contigs) {
      if (stopped()) throw new AgcAbortError('stopped');
      await sink.record(c);
    }
    await sink.finish();
    await out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
  port!.postMessage({ type: 'done', index: task.index } satisfies WorkerReply);
}

async function claimFromBack(t: ClaimTask): Promise<void> {
  const claim = t.claim;
  for (let j = t.samples.length - 1; j >= 0 && !stopped(); j--) {
    const prev = Atomics.compareExchange(claim, j, 0, 2);
    if (prev === 1) break; // the main thread got here first: everything below is its own
    if (prev === 2) continue; // another worker's
    await extract({ index: j, name: t.samples[j], file: t.files?.[j] });
  }
  port!.postMessage({ type: 'finished' } satisfies WorkerReply);
}

// The main thread hands out one sample at a time and waits for its 'done', so tasks never overlap;
// or, in shared mode, one ClaimTask for the whole run.
port.on('message', (task: WorkerInit | RecycleTask | SampleTask | ClaimTask | null) => {
  if (task === null) {
    archive?.close();
    archive = undefined;
    port.close();
    return;
  }
  if ('type' in task) {
    if (task.type === 'init') init = task;
    else if (pool.length < POOL_MAX) pool.push(task.buffer);
    return;
  }
  if (stopped()) return;
  // serializeError keeps class and code: the main thread rethrows the same kind of error.
  if ('claim' in task) {
    claimFromBack(task).catch((e: unknown) => {
      if (!stopped()) port.postMessage({ type: 'error', index: -1, error: serializeError(e) } satisfies WorkerReply);
    });
    return;
  }
  extract(task).catch((e: unknown) => {
    if (!stopped()) port.postMessage({ type: 'error', index: task.index, error: serializeError(e) } satisfies WorkerReply);
  });
});
