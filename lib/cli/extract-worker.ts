// worker_threads side of parallel whole-sample extraction (see parallel-extract.ts). Each worker
// opens the archive itself (the native objects are per thread) and formats whole samples.
import { parentPort, workerData } from 'node:worker_threads';
import { AgcArchive } from '../reader.js';
import { gzipRecord, recordSize } from '../fasta-writer.js';
import { AtomicFile, errorMessage } from './common.js';
import { FastaSink } from './fasta-sink.js';

export interface WorkerInit {
  archivePath: string;
  lineLength: number;
  gzip: number;
  /** stop[0] becomes 1 when the main thread gives up: drop the current sample. */
  stop: Int32Array;
}

/** Main -> worker: extract sample `index` to the main thread, or into `file` when given. */
export interface SampleTask {
  index: number;
  name: string;
  file?: string;
}

/** Worker -> main. */
export type WorkerReply =
  | { type: 'chunk'; index: number; data: Uint8Array }
  | { type: 'done'; index: number }
  | { type: 'error'; index: number; message: string; stack?: string };

// Records are batched so that one message carries about this many bytes.
const CHUNK = 4 << 20;

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('extract-worker must run in a worker thread');

let archive: AgcArchive | undefined;

const stopped = () => Atomics.load(init.stop, 0) !== 0;

function openArchive(): AgcArchive {
  if (!archive) {
    archive = AgcArchive.openSync(init.archivePath);
    archive.loadIntoMemory();
  }
  return archive;
}

/** Formats records into transferable chunks and posts each full chunk to the main thread. */
class ChunkPoster {
  private buf = new Uint8Array(CHUNK);
  private fill = 0;
  constructor(private readonly index: number) {}

  /** Room for `size` more bytes (posting what is buffered when it does not fit). */
  room(size: number): Uint8Array {
    if (this.fill + size > this.buf.length) {
      this.post();
      if (size > this.buf.length) this.buf = new Uint8Array(size);
    }
    return this.buf;
  }

  advance(to: number): void {
    this.fill = to;
  }

  append(bytes: Uint8Array): void {
    const b = this.room(bytes.length);
    b.set(bytes, this.fill);
    this.fill += bytes.length;
  }

  post(): void {
    if (this.fill === 0) return;
    const data = this.buf.subarray(0, this.fill);
    port!.postMessage({ type: 'chunk', index: this.index, data } satisfies WorkerReply, [this.buf.buffer]);
    this.buf = new Uint8Array(CHUNK);
    this.fill = 0;
  }

  get offset(): number {
    return this.fill;
  }
}

async function extract(task: SampleTask): Promise<void> {
  const a = openArchive();
  const layout = a.sampleLayout(task.name);
  if (!layout) throw new Error(`There is no sample ${task.name}`);
  const maxRecord = layout.contigs.reduce((m, c) => Math.max(m, recordSize(c.name, c.length, init.lineLength)), 0);
  if (task.file !== undefined) {
    const f = new AtomicFile(task.file);
    try {
      const sink = new FastaSink(f, a, init.lineLength, init.gzip, maxRecord);
      for (const c of layout.contigs) {
        if (stopped()) throw new Error('stopped');
        await sink.record(c);
      }
      await sink.finish();
      await f.commit();
    } catch (e) {
      f.abort();
      throw e;
    }
  } else {
    const out = new ChunkPoster(task.index);
    for (const c of layout.contigs) {
      if (stopped()) return;
      if (init.gzip) out.append(gzipRecord(c.name, a.readContig(c, 0, c.length, false), init.lineLength, init.gzip));
      else {
        const buf = out.room(recordSize(c.name, c.length, init.lineLength));
        out.advance(a.formatRecordInto(c, c.name, 0, c.length, init.lineLength, buf, out.offset));
      }
    }
    out.post();
  }
  port!.postMessage({ type: 'done', index: task.index } satisfies WorkerReply);
}

// The main thread hands out one sample at a time and waits for its 'done', so tasks never overlap.
port.on('message', (task: SampleTask | null) => {
  if (task === null) {
    archive?.close();
    archive = undefined;
    port.close();
    return;
  }
  if (stopped()) return;
  extract(task).catch((e: Error) => {
    if (!stopped()) port.postMessage({ type: 'error', index: task.index, message: errorMessage(e), stack: e.stack } satisfies WorkerReply);
  });
});
