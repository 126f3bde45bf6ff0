// worker_threads side of parallel whole-sample extraction (see parallel-extract.ts). Each worker
// opens the archive itself (the native objects are per thread) and formats whole samples.
import { parentPort, workerData } from 'node:worker_threads';
import { AgcArchive } from '../reader.js';
import { gzipRecord } from '../fasta-writer.js';
import { AtomicFile, errorMessage } from './common.js';

export interface WorkerInit {
  archivePath: string;
  lineLength: number;
  gzip: number;
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

function record(a: AgcArchive, c: Parameters<AgcArchive['formatRecord']>[0]): Buffer {
  return init.gzip ? gzipRecord(c.name, a.readContig(c, 0, c.length, false), init.lineLength, init.gzip) : a.formatRecord(c, c.name, 0, c.length, init.lineLength);
}

/** Copy buffered records into one fresh (never pooled) buffer that can be transferred. */
function pack(parts: Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const only = parts[0];
  if (parts.length === 1 && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength && only.buffer instanceof ArrayBuffer) return only as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(total);
  let q = 0;
  for (const p of parts) {
    out.set(p, q);
    q += p.length;
  }
  return out;
}

port.on('message', (task: SampleTask | null) => {
  if (task === null) {
    archive?.close();
    port.close();
    return;
  }
  try {
    archive ??= AgcArchive.openSync(init.archivePath);
    const layout = archive.sampleLayout(task.name);
    if (!layout) throw new Error(`There is no sample ${task.name}`);
    if (task.file !== undefined) {
      const f = new AtomicFile(task.file);
      try {
        for (const c of layout.contigs) f.writeSync(record(archive, c));
        void f.commit().then(
          () => port.postMessage({ type: 'done', index: task.index } satisfies WorkerReply),
          (e: Error) => port.postMessage({ type: 'error', index: task.index, message: errorMessage(e), stack: e.stack } satisfies WorkerReply),
        );
      } catch (e) {
        f.abort();
        throw e;
      }
      return;
    }
    let parts: Uint8Array[] = [];
    let total = 0;
    for (const c of layout.contigs) {
      const r = record(archive, c);
      parts.push(r);
      total += r.length;
      if (total >= CHUNK) {
        const data = pack(parts, total);
        port.postMessage({ type: 'chunk', index: task.index, data } satisfies WorkerReply, [data.buffer]);
        parts = [];
        total = 0;
      }
    }
    if (total > 0) {
      const data = pack(parts, total);
      port.postMessage({ type: 'chunk', index: task.index, data } satisfies WorkerReply, [data.buffer]);
    }
    port.postMessage({ type: 'done', index: task.index } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ type: 'error', index: task.index, message: errorMessage(e), stack: (e as Error).stack } satisfies WorkerReply);
  }
});
