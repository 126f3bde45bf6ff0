// Worker threads for the store stage (-t): each worker owns the groups g with g mod W == its index
// and keeps their GroupStore state (reference, current pack) across batches; it LZ-diff-encodes the
// batch's segments and compresses references and packs with zstd. A group's segments always go to
// the same worker in list order, so in-group ids and parts do not depend on the thread count.
// Batch data stays in shared memory (contigs and reverse complements are SharedArrayBuffers).
import { Worker } from 'node:worker_threads';
import { GroupStore, type GroupPart, type PackedGroupInit } from './group-store.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

/** Messages to a worker. */
export type ToWorker =
  | { type: 'raw'; ids: number[] }
  | { type: 'adopt'; id: number; init: PackedGroupInit }
  | {
      type: 'batch';
      seq: number;
      groups: Uint32Array;
      counts: Uint32Array;
      /** Per entry: index into `buffers`, byte offset, length. */
      where: Uint32Array;
      buffers: SharedArrayBuffer[];
    }
  | { type: 'finish'; seq: number };

/** Parts of several groups, concatenated. */
export interface PartsMessage {
  partGroup: Uint32Array;
  partStream: Uint8Array; // 0 = 'r', 1 = 'd'
  partMeta: Float64Array;
  partLen: Uint32Array;
  partData: Uint8Array;
}

/** Messages from a worker. */
export type FromWorker =
  | ({ type: 'done'; seq: number; ids: Uint32Array } & PartsMessage)
  | { type: 'error'; seq: number; message: string; stack?: string };

/** Parameters every worker needs. */
export interface StoreParams {
  packCardinality: number;
  minMatchLen: number;
}

function packParts(groups: number[], parts: GroupPart[][]): PartsMessage {
  let n = 0;
  let bytes = 0;
  for (const ps of parts) for (const p of ps) (n++, (bytes += p.data.length));
  const m: PartsMessage = {
    partGroup: new Uint32Array(n),
    partStream: new Uint8Array(n),
    partMeta: new Float64Array(n),
    partLen: new Uint32Array(n),
    partData: new Uint8Array(bytes),
  };
  let i = 0;
  let off = 0;
  groups.forEach((g, gi) => {
    for (const p of parts[gi]!) {
      m.partGroup[i] = g;
      m.partStream[i] = p.stream === 'r' ? 0 : 1;
      m.partMeta[i] = p.metadata;
      m.partLen[i] = p.data.length;
      m.partData.set(p.data, off);
      off += p.data.length;
      i++;
    }
  });
  return m;
}

/** Unpack a PartsMessage into (group, part) pairs in order. */
export function unpackParts(m: PartsMessage): Array<{ group: number; part: GroupPart }> {
  const out: Array<{ group: number; part: GroupPart }> = [];
  let off = 0;
  for (let i = 0; i < m.partGroup.length; i++) {
    const len = m.partLen[i]!;
    out.push({
      group: m.partGroup[i]!,
      part: { stream: m.partStream[i] === 0 ? 'r' : 'd', data: m.partData.subarray(off, off + len), metadata: m.partMeta[i]! },
    });
    off += len;
  }
  return out;
}

/** The store-stage state machine of one worker (also usable on the calling thread). */
export class StoreCore {
  private readonly stores = new Map<number, GroupStore>();
  constructor(private readonly p: StoreParams) {}

  private store(id: number): GroupStore {
    let s = this.stores.get(id);
    if (s === undefined) {
      s = new GroupStore(id, this.p.packCardinality, this.p.minMatchLen, zstdCompress, zstdDecompress);
      this.stores.set(id, s);
    }
    return s;
  }

  /** Handle a message; returns the reply (batch/finish) and the buffers to transfer. */
  handle(m: ToWorker): { reply: FromWorker; transfer: ArrayBuffer[] } | null {
    switch (m.type) {
      case 'raw':
        for (const id of m.ids) this.store(id).addRaw(Uint8Array.of(0x7f));
        return null;
      case 'adopt':
        this.stores.set(m.id, GroupStore.packedFrom(m.id, m.init, this.p.packCardinality, this.p.minMatchLen, zstdCompress, zstdDecompress));
        return null;
      case 'batch': {
        let total = 0;
        for (let i = 0; i < m.counts.length; i++) total += m.counts[i]!;
        const ids = new Uint32Array(total);
        const groups: number[] = [];
        const parts: GroupPart[][] = [];
        let e = 0;
        for (let gi = 0; gi < m.groups.length; gi++) {
          const g = m.groups[gi]!;
          const store = this.store(g);
          const raw = store.isRaw;
          for (let j = 0; j < m.counts[gi]!; j++, e++) {
            const seg = new Uint8Array(m.buffers[m.where[3 * e]!]!, m.where[3 * e + 1]!, m.where[3 * e + 2]!);
            ids[e] = raw ? store.addRaw(seg) : store.add(seg);
          }
          groups.push(g);
          parts.push(store.drain());
        }
        const pm = packParts(groups, parts);
        return { reply: { type: 'done', seq: m.seq, ids, ...pm }, transfer: [ids.buffer as ArrayBuffer, ...transferOf(pm)] };
      }
      case 'finish': {
        const groups = [...this.stores.keys()].sort((a, b) => a - b);
        const parts = groups.map((g) => {
          const s = this.stores.get(g)!;
          s.finish();
          return s.drain();
        });
        this.stores.clear();
        const pm = packParts(groups, parts);
        return { reply: { type: 'done', seq: m.seq, ids: new Uint32Array(0), ...pm }, transfer: transferOf(pm) };
      }
    }
  }
}

function transferOf(m: PartsMessage): ArrayBuffer[] {
  return [m.partGroup.buffer, m.partStream.buffer, m.partMeta.buffer, m.partLen.buffer, m.partData.buffer] as ArrayBuffer[];
}

/** One batch's segments for the pool: per group, the entries in store order. */
export interface BatchJob {
  groups: number[];
  entries: Uint8Array[][];
}

/** Result for one batch: in-group ids per group (same shape as the job) and the parts in order. */
export interface BatchResult {
  ids: Map<number, Uint32Array>;
  parts: Array<{ group: number; part: GroupPart }>;
}

interface Pending {
  resolve: (m: FromWorker & { type: 'done' }) => void;
  reject: (e: Error) => void;
}

/**
 * Where the worker entry is. From dist/ it is the compiled .js beside this file; when running from
 * TypeScript sources (tests), AGC_NODE_TS_LOADER names an ESM loader that can import .ts files.
 */
function workerSpec(): { file: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (here.endsWith('.js')) return { file: new URL('./compress-worker.js', here), eval: false };
  const loader = process.env.AGC_NODE_TS_LOADER;
  if (!loader) throw new Error('compress workers need the compiled library (dist/) or AGC_NODE_TS_LOADER when run from sources');
  const entry = new URL('./compress-worker.ts', here).href;
  const code = `import('node:module').then((m) => { m.register(${JSON.stringify(loader)}); return import(${JSON.stringify(entry)}); });`;
  return { file: code, eval: true };
}

/** A fixed set of store workers. */
export class CompressPool {
  private readonly workers: Worker[] = [];
  private readonly pending: Array<Map<number, Pending>> = [];
  private seq = 0;
  private failed: Error | null = null;
  private closed = false;

  constructor(
    readonly threads: number,
    params: StoreParams,
  ) {
    const spec = workerSpec();
    for (let i = 0; i < threads; i++) {
      const w = new Worker(spec.file, { eval: spec.eval, workerData: params });
      const pend = new Map<number, Pending>();
      this.pending.push(pend);
      w.on('message', (m: FromWorker) => {
        const p = pend.get(m.seq);
        if (!p) return;
        pend.delete(m.seq);
        if (m.type === 'error') {
          const e = new Error(m.message);
          if (m.stack) e.stack = m.stack;
          p.reject(e);
        } else p.resolve(m);
      });
      const fail = (e: Error): void => {
        this.failed ??= e;
        for (const p of pend.values()) p.reject(e);
        pend.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!this.closed) fail(new Error(`compress worker ${i} exited unexpectedly (code ${code})`));
      });
      this.workers.push(w);
    }
  }

  /** Worker index owning group `g`. */
  owner(g: number): number {
    return g % this.threads;
  }

  private post(i: number, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failed) throw this.failed;
    this.workers[i]!.postMessage(m, transfer);
  }

  private request(i: number, m: ToWorker & { seq: number }, transfer: ArrayBuffer[] = []): Promise<FromWorker & { type: 'done' }> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.pending[i]!.set(m.seq, { resolve, reject });
      this.workers[i]!.postMessage(m, transfer);
    });
  }

  /** Create mode: raw groups 0..n-1 with their 0x7F dummy. */
  initRawGroups(n: number): void {
    const per: number[][] = this.workers.map(() => []);
    for (let g = 0; g < n; g++) per[this.owner(g)]!.push(g);
    per.forEach((ids, i) => this.post(i, { type: 'raw', ids }));
  }

  /** Append mode: a group continued from the input archive. */
  adopt(id: number, init: PackedGroupInit): void {
    // Copies we can transfer (the caller keeps its own; Buffer#slice would only make a view).
    const copy = (p?: { data: Uint8Array; metadata: number }) => (p ? { data: new Uint8Array(p.data), metadata: p.metadata } : undefined);
    const c: PackedGroupInit = { ref: copy(init.ref), lastDelta: copy(init.lastDelta), copiedParts: init.copiedParts };
    const transfer = [c.ref?.data.buffer, c.lastDelta?.data.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    this.post(this.owner(id), { type: 'adopt', id, init: c }, transfer);
  }

  /** Store one batch; resolves when every worker is done with its share. */
  async submit(job: BatchJob): Promise<BatchResult> {
    const W = this.threads;
    const seq = ++this.seq;
    const gi: number[][] = Array.from({ length: W }, () => []);
    job.groups.forEach((g, i) => gi[this.owner(g)]!.push(i));
    const replies = await Promise.all(
      gi.map((idx, w) => {
        const groups = new Uint32Array(idx.length);
        const counts = new Uint32Array(idx.length);
        let n = 0;
        idx.forEach((i, j) => {
          groups[j] = job.groups[i]!;
          counts[j] = job.entries[i]!.length;
          n += counts[j]!;
        });
        // Segments are views into shared buffers (contigs, reverse complements): send the buffers
        // once each, and the (buffer, offset, length) of every entry. Anything not shared is copied.
        const where = new Uint32Array(3 * n);
        const buffers: SharedArrayBuffer[] = [];
        const index = new Map<ArrayBufferLike, number>();
        let k = 0;
        for (const i of idx) {
          for (let e of job.entries[i]!) {
            if (!(e.buffer instanceof SharedArrayBuffer)) {
              const c = new Uint8Array(new SharedArrayBuffer(e.length));
              c.set(e);
              e = c;
            }
            let b = index.get(e.buffer);
            if (b === undefined) {
              b = buffers.length;
              buffers.push(e.buffer as SharedArrayBuffer);
              index.set(e.buffer, b);
            }
            where[3 * k] = b;
            where[3 * k + 1] = e.byteOffset;
            where[3 * k + 2] = e.length;
            k++;
          }
        }
        return this.request(w, { type: 'batch', seq, groups, counts, where, buffers }, [groups.buffer, counts.buffer, where.buffer]);
      }),
    );
    const ids = new Map<number, Uint32Array>();
    const parts: Array<{ group: number; part: GroupPart }> = [];
    replies.forEach((r, w) => {
      let e = 0;
      for (const i of gi[w]!) {
        const n = job.entries[i]!.length;
        ids.set(job.groups[i]!, r.ids.subarray(e, e + n));
        e += n;
      }
      parts.push(...unpackParts(r));
    });
    return { ids, parts };
  }

  /** Finish every group (pending packs, untouched append parts); parts in group order per worker. */
  async finish(): Promise<Array<{ group: number; part: GroupPart }>> {
    const seq = ++this.seq;
    const replies = await Promise.all(this.workers.map((_, w) => this.request(w, { type: 'finish', seq })));
    return replies.flatMap((r) => unpackParts(r));
  }

  /** Stop the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
