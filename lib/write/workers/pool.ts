// Worker threads for the store stage (-t): each worker owns the groups g with g mod W == its index
// and keeps their GroupStore state (reference, current pack) across batches; it LZ-diff-encodes the
// batch's segments and compresses references and packs with zstd. A group's segments always go to
// the same worker in list order, so in-group ids and parts do not depend on the thread count.
// Batch data stays in shared memory (contigs and reverse complements are SharedArrayBuffers).
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { GroupStore, LZ_STEP, type GroupPart, type PackedGroupInit } from '../group-store.js';
import { encodePackPart, encodeReferencePart } from '../../format/segment-codec.js';
import { zstdCompress as zstdCompressUntimed, zstdDecompress } from '../../native/zstd.js';
import { nativeLagFraction } from '../native-scans.js';
import { now, StepTimes, threadSteps } from '../stage-stats.js';
import { collectGarbage } from '../collect-garbage.js';

/** Step name of zstd compression (references, packs) in the stage table. */
export const ZSTD_STEP = 'zstd';

/** zstd, its time counted to the current thread's ZSTD_STEP. */
function zstdCompress(data: Uint8Array, level: number): Uint8Array {
  const t = now();
  const r = zstdCompressUntimed(data, level);
  threadSteps.add(ZSTD_STEP, now() - t);
  return r;
}

/** Time of `fn` counted to `step`, less what it counted to ZSTD_STEP itself. */
export function timedStep<T>(step: string, fn: () => T): T {
  const t = now();
  const z0 = threadSteps.ms.get(ZSTD_STEP) ?? 0;
  const r = fn();
  threadSteps.add(step, now() - t - ((threadSteps.ms.get(ZSTD_STEP) ?? 0) - z0));
  return r;
}
import { AgcError, AgcErrorCode, deserializeError, type SerializedError } from '../../errors.js';
import { DecideCore, type DecideJobsMessage, type SyncMessage } from './decide-jobs.js';
import type { GroupingParams } from '../grouping.js';
import type { SharedLzData } from '../lz-diff-encode.js';

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
      /** Reference parts to encode, shared by every thread (see RefJobs). */
      refGroups: Uint32Array;
      refWhere: Uint32Array;
      refCounter: SharedArrayBuffer;
      /** New groups of this worker whose reference coder (padded reference, index) is shared. */
      coderGroups: Uint32Array;
      coders: SharedLzData[];
    }
  | { type: 'finish'; seq: number }
  /** Pack jobs to help with: another worker's full packs of a batch, or the last packs at close. */
  | { type: 'compress'; seq: number; jobs: PackJobsMessage; last: boolean }
  | { type: 'dsync'; gp: GroupingParams; fallbackFrac: number; sync: SyncMessage }
  | { type: 'decide'; seq: number; jobs: DecideJobsMessage };

/** Parts of several groups, concatenated. */
export interface PartsMessage {
  partGroup: Uint32Array;
  partStream: Uint8Array; // 0 = 'r', 1 = 'd'
  partMeta: Float64Array;
  partLen: Uint32Array;
  partData: Uint8Array;
  /** Per part: its pack's place among its group's packs of the batch (see OrderedPart). */
  partOrder: Int32Array;
}

/**
 * A finished part. Packs compressed by any thread carry `order`, their place in the list of packs
 * the group's owner emitted; parts of one group's stream are written in that order. -1: a part
 * needing no order (a reference, a last pack).
 */
export interface OrderedPart {
  group: number;
  part: GroupPart;
  order: number;
}

/** Messages from a worker. */
export type FromWorker =
  | ({ type: 'done'; seq: number; ids: Uint32Array; jobs?: PackJobsMessage; steps?: Record<string, number> } & PartsMessage)
  /** Mid-batch: the worker's full packs, for every thread to compress (the worker starts on them too). */
  | { type: 'packs'; seq: number; jobs: PackJobsMessage }
  | { type: 'decided'; seq: number; count: number; steps?: Record<string, number> }
  | { type: 'error'; seq: number; error: SerializedError };

/**
 * Last packs to encode at close, in shared memory so that any thread can take them. Items may lie
 * in several buffers: the main thread merges the workers' lists by reference, without a copy.
 */
export interface PackJobsMessage {
  jobGroups: Uint32Array;
  /** Place of each job in the list given to buildPackJobs (jobs are sorted largest first). */
  jobOrder: Uint32Array;
  /** Items per job. */
  jobCounts: Uint32Array;
  /** Byte length of every item, jobs in order. */
  itemLens: Uint32Array;
  /** Buffer (index into `data`) and byte offset of every item. */
  itemBuf: Uint32Array;
  itemOff: Float64Array;
  data: SharedArrayBuffer[];
  counter: SharedArrayBuffer;
}

/**
 * Claims and encodes pack jobs (see PackJobsMessage) until none is left. `helper`: the thread is
 * not the list's owner; its claims are counted (counter[1]), so that once the owner has replied the
 * caller knows whether a helper's reply will carry parts (see CompressPool.submit).
 */
export function takePackJobs(m: PackJobsMessage, helper = false): OrderedPart[] {
  const counter = new Int32Array(m.counter);
  // Item offsets: prefix sums over jobs (cheap, recomputed by each taker).
  const itemStart = new Uint32Array(m.jobCounts.length + 1);
  for (let j = 0; j < m.jobCounts.length; j++) itemStart[j + 1] = itemStart[j]! + m.jobCounts[j]!;
  const out: OrderedPart[] = [];
  for (;;) {
    // A helper counts itself in before it claims: when a claim succeeds, the count is visible to
    // whoever sees the list exhausted afterwards.
    if (helper) Atomics.add(counter, 1, 1);
    const j = Atomics.add(counter, 0, 1);
    if (j >= m.jobGroups.length) {
      if (helper) Atomics.sub(counter, 1, 1);
      return out;
    }
    const items: Uint8Array[] = [];
    for (let i = itemStart[j]!; i < itemStart[j + 1]!; i++) items.push(new Uint8Array(m.data[m.itemBuf[i]!]!, m.itemOff[i]!, m.itemLens[i]!));
    const { data, metadata } = encodePackPart(items, zstdCompress);
    out.push({
      group: m.jobGroups[j]!,
      part: { stream: 'd', data: data.buffer instanceof SharedArrayBuffer ? data.slice() : data, metadata },
      order: m.jobOrder[j]!,
    });
  }
}

/** Parameters every worker needs. */
export interface StoreParams {
  packCardinality: number;
  minMatchLen: number;
}

function packParts(list: readonly OrderedPart[]): PartsMessage {
  let bytes = 0;
  for (const p of list) bytes += p.part.data.length;
  const n = list.length;
  const m: PartsMessage = {
    partGroup: new Uint32Array(n),
    partStream: new Uint8Array(n),
    partMeta: new Float64Array(n),
    partLen: new Uint32Array(n),
    partData: new Uint8Array(bytes),
    partOrder: new Int32Array(n),
  };
  let off = 0;
  list.forEach(({ group, part, order }, i) => {
    m.partGroup[i] = group;
    m.partStream[i] = part.stream === 'r' ? 0 : 1;
    m.partMeta[i] = part.metadata;
    m.partLen[i] = part.data.length;
    m.partData.set(part.data, off);
    m.partOrder[i] = order;
    off += part.data.length;
  });
  return m;
}

/** Unpack a PartsMessage into its parts, in order. */
export function unpackParts(m: PartsMessage): OrderedPart[] {
  const out: OrderedPart[] = [];
  let off = 0;
  for (let i = 0; i < m.partGroup.length; i++) {
    const len = m.partLen[i]!;
    out.push({
      group: m.partGroup[i]!,
      part: { stream: m.partStream[i] === 0 ? 'r' : 'd', data: m.partData.subarray(off, off + len), metadata: m.partMeta[i]! },
      order: m.partOrder[i]!,
    });
    off += len;
  }
  return out;
}

/**
 * Packs compressed by several threads, back in their order within each group: sorted by group,
 * then order (a stable sort; only the order within a group's stream matters to the archive).
 */
export function inPackOrder(parts: OrderedPart[]): OrderedPart[] {
  return parts.sort((a, b) => a.group - b.group || a.order - b.order);
}

/** Step name of group decisions made by a thread (stage table). */
export const DECIDE_STEP = 'decisions (k-mer lookups)';

/**
 * Segment bytes a store thread handles between two full collections at batch ends (a few ms
 * each). Each batch leaves the deltas it encoded, the packs it built and their zstd output as
 * garbage; a worker allocates too little JavaScript for V8 to collect it soon, so it stayed
 * resident on top of the next batches: klebsiella-8 create -t 2 peaked ~14 MiB higher.
 */
const GC_SEGMENT_BYTES = 4 << 20;

function batchBytes(where: Uint32Array): number {
  let n = 0;
  for (let i = 2; i < where.length; i += 3) n += where[i]!;
  return n;
}

/** The store-stage state machine of one worker (also usable on the calling thread). */
export class StoreCore {
  private readonly stores = new Map<number, GroupStore>();
  /** Segment bytes stored since the last collection (see GC_SEGMENT_BYTES). */
  private bytesSinceGc = 0;
  /** Replica of the decision state (parallel decisions only). */
  private decider: DecideCore | null = null;
  /** `notify` posts a message to the main thread before the reply (the mid-batch pack lists). */
  constructor(
    private readonly p: StoreParams,
    private readonly notify: (m: FromWorker) => void = () => undefined,
  ) {}

  private store(id: number): GroupStore {
    let s = this.stores.get(id);
    if (s === undefined) {
      s = new GroupStore(id, this.p.packCardinality, this.p.minMatchLen, zstdCompress, zstdDecompress);
      s.externalReferencePart = true;
      this.stores.set(id, s);
    }
    return s;
  }

  /**
   * Handle a message; returns the reply (batch/finish/compress) and the buffers to transfer. A
   * reply carries the thread's step times since the previous reply.
   */
  handle(m: ToWorker): { reply: FromWorker; transfer: ArrayBuffer[] } | null {
    const step =
      m.type === 'batch' || (m.type === 'compress' && !m.last)
        ? 'LZ-diff encode, packing'
        : m.type === 'decide' || m.type === 'dsync'
          ? DECIDE_STEP
          : 'last packs';
    // LZ-diff estimates made by decisions have their own row (LZ_STEP): keep them out of this one.
    const lz0 = threadSteps.ms.get(LZ_STEP) ?? 0;
    const r = timedStep(step, () => this.handleUntimed(m));
    const lz = (threadSteps.ms.get(LZ_STEP) ?? 0) - lz0;
    if (lz > 0) threadSteps.add(step, -lz);
    if (r && (r.reply.type === 'done' || r.reply.type === 'decided')) r.reply.steps = threadSteps.take();
    return r;
  }

  private handleUntimed(m: ToWorker): { reply: FromWorker; transfer: ArrayBuffer[] } | null {
    switch (m.type) {
      case 'raw':
        for (const id of m.ids) this.store(id).addRaw(Uint8Array.of(0x7f));
        return null;
      case 'dsync':
        this.decider ??= new DecideCore(m.gp, this.p.minMatchLen, m.fallbackFrac);
        this.decider.sync(m.sync);
        return null;
      case 'decide': {
        if (!this.decider) throw new AgcError(AgcErrorCode.INTERNAL, 'internal: decisions before the state was sent');
        return { reply: { type: 'decided', seq: m.seq, count: this.decider.take(m.jobs) }, transfer: [] };
      }
      case 'adopt':
        this.stores.set(m.id, GroupStore.packedFrom(m.id, m.init, this.p.packCardinality, this.p.minMatchLen, zstdCompress, zstdDecompress));
        return null;
      case 'batch': {
        let total = 0;
        for (let i = 0; i < m.counts.length; i++) total += m.counts[i]!;
        const ids = new Uint32Array(total);
        m.coderGroups.forEach((g, i) => this.store(g).useSharedCoder(m.coders[i]!));
        // Full packs are not compressed here: they become jobs every thread can take (the other
        // workers get them through the main thread), so a worker that owns the batch's heavier
        // groups does not hold the others up.
        const packs: Array<{ group: number; items: Uint8Array[] }> = [];
        const parts: OrderedPart[] = [];
        let e = 0;
        for (let gi = 0; gi < m.groups.length; gi++) {
          const g = m.groups[gi]!;
          const store = this.store(g);
          const raw = store.isRaw;
          store.packSink = (items) => packs.push({ group: g, items });
          for (let j = 0; j < m.counts[gi]!; j++, e++) {
            const seg = new Uint8Array(m.buffers[m.where[3 * e]!]!, m.where[3 * e + 1]!, m.where[3 * e + 2]!);
            ids[e] = raw ? store.addRaw(seg) : store.add(seg);
          }
          store.packSink = null;
          for (const part of store.drain()) parts.push({ group: g, part, order: -1 });
        }
        const jobs = packs.length > 0 ? buildPackJobs(packs) : null;
        if (jobs) this.notify({ type: 'packs', seq: m.seq, jobs });
        // Then help with the batch's reference parts until none is left, then with the packs.
        const refs = new RefJobs(m.refGroups, m.refWhere, m.buffers, m.refCounter);
        for (const { group, part } of refs.takeAll()) parts.push({ group, part, order: -1 });
        if (jobs) parts.push(...takePackJobs(jobs));
        const pm = packParts(parts);
        // The batch's references count whole: any thread may have taken them.
        this.bytesSinceGc += batchBytes(m.where) + batchBytes(m.refWhere);
        if (this.bytesSinceGc >= GC_SEGMENT_BYTES) {
          collectGarbage();
          this.bytesSinceGc = 0;
        }
        return { reply: { type: 'done', seq: m.seq, ids, ...pm }, transfer: [ids.buffer as ArrayBuffer, ...transferOf(pm)] };
      }
      case 'finish': {
        // Untouched append parts are re-emitted here; the pending packs become jobs that every
        // thread takes from one shared list ('compress'): this is the one stage where every group
        // has work at once.
        // No decisions follow the last batch: the replica's views of every group's reference and
        // LZ index (shared memory the main thread has let go of) would otherwise keep them all
        // resident through the close stage, the peak of -t 2 and more.
        this.decider = null;
        const groups = [...this.stores.keys()].sort((a, b) => a - b);
        const jobs: Array<{ group: number; items: Uint8Array[] }> = [];
        const parts: OrderedPart[] = [];
        for (const g of groups) {
          const st = this.stores.get(g)!;
          const items = st.takePendingItems();
          if (items.length > 0) jobs.push({ group: g, items });
          st.finish();
          for (const part of st.drain()) parts.push({ group: g, part, order: -1 });
        }
        this.stores.clear();
        // The stores and the replica are garbage now: collected (when gc is exposed) before the
        // close stage's zstd jobs, 30-35 MiB less peak RSS per worker.
        collectGarbage();
        const pm = packParts(parts);
        return { reply: { type: 'done', seq: m.seq, ids: new Uint32Array(0), jobs: buildPackJobs(jobs), ...pm }, transfer: transferOf(pm) };
      }
      case 'compress': {
        const pm = packParts(takePackJobs(m.jobs, !m.last));
        return { reply: { type: 'done', seq: m.seq, ids: new Uint32Array(0), ...pm }, transfer: transferOf(pm) };
      }
    }
  }
}

/**
 * Pack jobs in shared memory, largest first (so that no thread is left with a big one at the end).
 * Items already in shared memory are referenced; the others are copied into one new buffer.
 */
export function buildPackJobs(jobs: Array<{ group: number; items: Uint8Array[] }>): PackJobsMessage {
  const size = (j: { items: Uint8Array[] }) => j.items.reduce((a, it) => a + it.length, 0);
  const sorted = jobs.map((j, order) => ({ ...j, order, bytes: size(j) })).sort((a, b) => b.bytes - a.bytes || a.order - b.order);
  let copyBytes = 0;
  let nItems = 0;
  for (const j of sorted) {
    nItems += j.items.length;
    for (const it of j.items) if (!(it.buffer instanceof SharedArrayBuffer)) copyBytes += it.length;
  }
  const data: SharedArrayBuffer[] = [];
  const bufIndex = new Map<SharedArrayBuffer, number>();
  let own = -1;
  let view: Uint8Array | null = null;
  if (copyBytes > 0) {
    own = data.push(new SharedArrayBuffer(copyBytes)) - 1;
    view = new Uint8Array(data[own]!);
  }
  const m: PackJobsMessage = {
    jobGroups: Uint32Array.from(sorted, (j) => j.group),
    jobOrder: Uint32Array.from(sorted, (j) => j.order),
    jobCounts: Uint32Array.from(sorted, (j) => j.items.length),
    itemLens: new Uint32Array(nItems),
    itemBuf: new Uint32Array(nItems),
    itemOff: new Float64Array(nItems),
    data,
    // [0]: next job to claim; [1]: jobs claimed by helpers (takePackJobs).
    counter: new SharedArrayBuffer(8),
  };
  let off = 0;
  let k = 0;
  for (const j of sorted)
    for (const it of j.items) {
      const b = it.buffer;
      if (b instanceof SharedArrayBuffer) {
        let bi = bufIndex.get(b);
        if (bi === undefined) bufIndex.set(b, (bi = data.push(b) - 1));
        m.itemBuf[k] = bi;
        m.itemOff[k] = it.byteOffset;
      } else {
        view!.set(it, off);
        m.itemBuf[k] = own;
        m.itemOff[k] = off;
        off += it.length;
      }
      m.itemLens[k++] = it.length;
    }
  return m;
}

/** The items of every job of several lists, as one list for buildPackJobs. */
function unpackJobs(m: PackJobsMessage): Array<{ group: number; items: Uint8Array[] }> {
  const out: Array<{ group: number; items: Uint8Array[] }> = [];
  let k = 0;
  for (let j = 0; j < m.jobGroups.length; j++) {
    const items: Uint8Array[] = [];
    for (let i = 0; i < m.jobCounts[j]!; i++, k++) items.push(new Uint8Array(m.data[m.itemBuf[k]!]!, m.itemOff[k]!, m.itemLens[k]!));
    out.push({ group: m.jobGroups[j]!, items });
  }
  return out;
}

function transferOf(m: PartsMessage): ArrayBuffer[] {
  return [m.partGroup.buffer, m.partStream.buffer, m.partMeta.buffer, m.partLen.buffer, m.partData.buffer] as ArrayBuffer[];
}

/**
 * The reference parts of a batch's new groups. Encoding one depends only on the segment, so any
 * thread may do it: threads claim jobs through a shared counter (main helps while it would wait).
 */
export class RefJobs {
  private readonly counter: Int32Array;
  constructor(
    private readonly groups: Uint32Array,
    private readonly where: Uint32Array,
    private readonly buffers: SharedArrayBuffer[],
    counter: SharedArrayBuffer,
  ) {
    this.counter = new Int32Array(counter);
  }

  get size(): number {
    return this.groups.length;
  }

  /** Encode jobs until none is left; returns the parts this thread made. */
  takeAll(): Array<{ group: number; part: GroupPart }> {
    const out: Array<{ group: number; part: GroupPart }> = [];
    for (;;) {
      const i = Atomics.add(this.counter, 0, 1);
      if (i >= this.groups.length) return out;
      const ref = new Uint8Array(this.buffers[this.where[3 * i]!]!, this.where[3 * i + 1]!, this.where[3 * i + 2]!);
      const { data, metadata } = encodeReferencePart(ref, zstdCompress, nativeLagFraction);
      // A raw (uncompressed) reference part is the segment itself: copy it out of shared memory.
      out.push({ group: this.groups[i]!, part: { stream: 'r', data: data.buffer instanceof SharedArrayBuffer ? data.slice() : data, metadata } });
    }
  }
}

/** One batch's segments for the pool: per group, the entries in store order. */
export interface BatchJob {
  groups: number[];
  entries: Uint8Array[][];
  /** New groups' references (their first entries), encoded by whichever thread gets there first. */
  refs: Array<{ group: number; data: Uint8Array; coder?: SharedLzData | null }>;
  /**
   * Groups of an input archive (append) getting their first segments of the run, whose reference
   * the main thread has just unpacked into a shared coder: the owner uses it instead of a second
   * copy of the reference and its index.
   */
  unpacked?: Array<{ group: number; coder: SharedLzData }>;
}

/**
 * Result for one batch: in-group ids per group (same shape as the job) and the parts (packs made
 * by several threads: see inPackOrder).
 */
export interface BatchResult {
  ids: Map<number, Uint32Array>;
  parts: OrderedPart[];
}

/** The pack lists of a batch announced so far, for the main thread to help with while it waits. */
export class PackLists {
  readonly lists: PackJobsMessage[] = [];
  private wake: (() => void) | null = null;

  add(jobs: PackJobsMessage): void {
    this.lists.push(jobs);
    this.wake?.();
    this.wake = null;
  }

  /** Resolves at the next announcement. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
}

/**
 * Where a worker's entry is: the one-module bundle of it (`bundle` in dist/lib/cli, made by
 * `npm run build:ts` when esbuild is available; a worker loads it in a few ms instead of ~0.1 s for
 * the compiled modules, and holds less code), else the compiled `entry` (beside this module). This
 * module runs either compiled (dist/lib/write/workers/pool.js: library users) or inside the CLI's
 * write bundle (dist/lib/cli/write-bundle.js), so both places are tried relative to each. When
 * running from TypeScript sources (tests), AGC_NODE_TS_LOADER names an ESM loader that can import
 * .ts files.
 */
export function workerSpec(bundle = 'compress-worker-bundle.js', entry = 'worker-entry'): { file: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (here.endsWith('.js')) {
    const candidates = here.endsWith('/write/workers/pool.js') ? [`../../cli/${bundle}`, `./${entry}.js`] : [`./${bundle}`, `../write/workers/${entry}.js`];
    let file = workerFiles.get(bundle);
    if (file === undefined) {
      file = candidates.map((c) => new URL(c, here)).find((u) => existsSync(u)) ?? new URL(candidates[candidates.length - 1]!, here);
      workerFiles.set(bundle, file);
    }
    return { file, eval: false };
  }
  const loader = process.env.AGC_NODE_TS_LOADER;
  if (!loader) throw new AgcError(AgcErrorCode.INTERNAL, 'compress workers need the compiled library (dist/) or AGC_NODE_TS_LOADER when run from sources');
  const url = new URL(`./${entry}.ts`, here).href;
  const code = `import('node:module').then((m) => { m.register(${JSON.stringify(loader)}); return import(${JSON.stringify(url)}); });`;
  return { file: code, eval: true };
}
const workerFiles = new Map<string, URL>();

/**
 * Store workers allocate large typed arrays and few short-lived objects, so a small young
 * generation costs almost no scavenging time; V8's default (up to 3 x 16 MiB per thread) only adds
 * resident memory.
 */
const YOUNG_LIMITS = { maxYoungGenerationSizeMb: 3 };

/** A fixed set of store workers. */
export class CompressPool {
  private readonly workers: Worker[] = [];
  private readonly pending: Array<Map<number, Pending>> = [];
  private seq = 0;
  /** Per batch in flight (by its message seq): what to do with a worker's list of full packs. */
  private readonly onPacks = new Map<number, (worker: number, jobs: PackJobsMessage) => void>();
  private failed: Error | null = null;
  private closed = false;
  /** Step times reported by the workers (summed), for the stage table. */
  readonly steps = new StepTimes();

  constructor(
    readonly threads: number,
    params: StoreParams,
  ) {
    const spec = workerSpec();
    for (let i = 0; i < threads; i++) {
      const w = new Worker(spec.file, { eval: spec.eval, workerData: params, resourceLimits: YOUNG_LIMITS });
      const pend = new Map<number, Pending>();
      this.pending.push(pend);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'packs') {
          this.onPacks.get(m.seq)?.(i, m.jobs);
          return;
        }
        if (m.type !== 'error') this.steps.merge(m.steps);
        const p = pend.get(m.seq);
        if (!p) return;
        pend.delete(m.seq);
        if (m.type === 'error') p.reject(deserializeError(m.error));
        else p.resolve(m);
      });
      const fail = (e: Error): void => {
        this.failed ??= e;
        for (const p of pend.values()) p.reject(e);
        pend.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!this.closed) fail(new AgcError(AgcErrorCode.INTERNAL, `compress worker ${i} exited unexpectedly (code ${code})`));
      });
      this.workers.push(w);
    }
  }

  /**
   * The calling thread takes zstd jobs too (the last packs, a batch's full packs while it would
   * wait) only beside a single worker: with more, the workers already keep a core each busy, and a
   * third compressing thread on two cores made the close stage of klebsiella-8 20% slower.
   */
  get callerHelps(): boolean {
    return this.threads === 1;
  }

  /** Worker index owning group `g`. */
  owner(g: number): number {
    return g % this.threads;
  }

  private post(i: number, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failed) throw this.failed;
    this.workers[i]!.postMessage(m, transfer);
  }

  private async requestDone(i: number, m: ToWorker & { seq: number }, transfer: ArrayBuffer[] = []) {
    const r = await this.request(i, m, transfer);
    if (r.type !== 'done') throw new AgcError(AgcErrorCode.INTERNAL, `internal: unexpected ${r.type} reply from compress worker ${i}`);
    return r;
  }

  private request(i: number, m: ToWorker & { seq: number }, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
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

  /**
   * Store one batch. Returns the workers' result and the batch's reference jobs, which the caller
   * may help with (RefJobs.takeAll) instead of waiting idle; its parts then count as well.
   */
  submit(job: BatchJob): { result: Promise<BatchResult>; refs: RefJobs; packs: PackLists } {
    const W = this.threads;
    const seq = ++this.seq;
    // A worker's full packs go to every other worker at once (and to the caller, see PackLists).
    const packs = new PackLists();
    const helpers: Array<{ jobs: PackJobsMessage; parts: Promise<OrderedPart[]> }> = [];
    this.onPacks.set(seq, (from, jobs) => {
      packs.add(jobs);
      for (let w = 0; w < W; w++) {
        if (w === from) continue;
        const h = this.requestDone(w, { type: 'compress', seq: ++this.seq, jobs, last: false }).then((r) => unpackParts(r));
        h.catch(() => undefined); // awaited with the batch
        helpers.push({ jobs, parts: h });
      }
    });
    const gi: number[][] = Array.from({ length: W }, () => []);
    job.groups.forEach((g, i) => gi[this.owner(g)]!.push(i));

    // Segments are views into shared buffers (contigs, reverse complements): a message names each
    // buffer once and every entry as (buffer, offset, length). Anything not shared is copied.
    const toShared = (e: Uint8Array): Uint8Array => {
      if (e.buffer instanceof SharedArrayBuffer) return e;
      const c = new Uint8Array(new SharedArrayBuffer(e.length));
      c.set(e);
      return c;
    };
    const locate = (e: Uint8Array, buffers: SharedArrayBuffer[], index: Map<ArrayBufferLike, number>, where: Uint32Array, k: number): void => {
      let b = index.get(e.buffer);
      if (b === undefined) {
        b = buffers.length;
        buffers.push(e.buffer as SharedArrayBuffer);
        index.set(e.buffer, b);
      }
      where[3 * k] = b;
      where[3 * k + 1] = e.byteOffset;
      where[3 * k + 2] = e.length;
    };
    const refData = job.refs.map((r) => toShared(r.data));
    const refGroups = Uint32Array.from(job.refs, (r) => r.group);
    const refCounter = new SharedArrayBuffer(4);

    const replies = Promise.all(
      gi.map((idx, w) => {
        const groups = new Uint32Array(idx.length);
        const counts = new Uint32Array(idx.length);
        let n = 0;
        idx.forEach((i, j) => {
          groups[j] = job.groups[i]!;
          counts[j] = job.entries[i]!.length;
          n += counts[j]!;
        });
        const where = new Uint32Array(3 * n);
        const buffers: SharedArrayBuffer[] = [];
        const index = new Map<ArrayBufferLike, number>();
        let k = 0;
        for (const i of idx) for (const e of job.entries[i]!) locate(toShared(e), buffers, index, where, k++);
        const refWhere = new Uint32Array(3 * refData.length);
        refData.forEach((e, j) => locate(e, buffers, index, refWhere, j));
        // The main thread's coders of this worker's new groups: no second index per group.
        const mine = [...job.refs.filter((r) => r.coder), ...(job.unpacked ?? [])].filter((r) => this.owner(r.group) === w);
        const coderGroups = Uint32Array.from(mine, (r) => r.group);
        const coders = mine.map((r) => r.coder!);
        return this.requestDone(
          w,
          { type: 'batch', seq, groups, counts, where, buffers, refGroups: refGroups.slice(), refWhere, refCounter, coderGroups, coders },
          [groups.buffer, counts.buffer, where.buffer, refWhere.buffer],
        );
      }),
    );
    const mainWhere = new Uint32Array(3 * refData.length);
    const mainBuffers: SharedArrayBuffer[] = [];
    const mainIndex = new Map<ArrayBufferLike, number>();
    refData.forEach((e, j) => locate(e, mainBuffers, mainIndex, mainWhere, j));
    const refs = new RefJobs(refGroups, mainWhere, mainBuffers, refCounter);

    const result = replies.then(async (rs) => {
      // Every list was announced before its worker's reply: the helpers are all known now.
      this.onPacks.delete(seq);
      const ids = new Map<number, Uint32Array>();
      const parts: OrderedPart[] = [];
      // Every job was claimed before its owner replied. A helper that claimed none has nothing to
      // add: its reply is not awaited, as it may come only after the later batches queued before
      // it at that worker (the help requests of a batch arrive while it is being stored).
      const needed = helpers.filter((h) => Atomics.load(new Int32Array(h.jobs.counter), 1) > 0);
      for (const h of await Promise.all(needed.map((h) => h.parts))) parts.push(...h);
      rs.forEach((r, w) => {
        let e = 0;
        for (const i of gi[w]!) {
          const n = job.entries[i]!.length;
          ids.set(job.groups[i]!, r.ids.subarray(e, e + n));
          e += n;
        }
        parts.push(...unpackParts(r));
      });
      return { ids, parts };
    });
    result.catch(() => this.onPacks.delete(seq));
    return { result, refs, packs };
  }

  /**
   * Finish every group (pending packs, untouched append parts). The last packs are encoded from
   * one list shared by all threads, the calling one included when it helps (callerHelps).
   */
  async finish(): Promise<OrderedPart[]> {
    const seq = ++this.seq;
    const replies = await Promise.all(this.workers.map((_, w) => this.requestDone(w, { type: 'finish', seq })));
    const parts = replies.flatMap((r) => unpackParts(r));
    const jobs = buildPackJobs(replies.flatMap((r) => (r.jobs ? unpackJobs(r.jobs) : [])));
    const seq2 = ++this.seq;
    const others = Promise.all(this.workers.map((_, w) => this.requestDone(w, { type: 'compress', seq: seq2, jobs, last: true })));
    others.catch(() => undefined);
    const mine = this.callerHelps ? timedStep('last packs', () => takePackJobs(jobs)) : [];
    for (const r of await others) parts.push(...unpackParts(r));
    return [...parts, ...mine];
  }

  /** Send every worker the decision state (a snapshot first, then the changes of each registration). */
  syncDecisions(gp: GroupingParams, fallbackFrac: number, sync: SyncMessage): void {
    for (let w = 0; w < this.threads; w++) this.post(w, { type: 'dsync', gp, fallbackFrac, sync });
  }

  /**
   * Every worker claims decision jobs (after what it has queued; the results go to the jobs' shared
   * slots); resolves when every worker has replied, rejects when one failed.
   */
  async decide(jobs: DecideJobsMessage): Promise<void> {
    const seq = ++this.seq;
    await Promise.all(
      this.workers.map(async (_, w) => {
        const r = await this.request(w, { type: 'decide', seq, jobs });
        if (r.type !== 'decided') throw new AgcError(AgcErrorCode.INTERNAL, `internal: unexpected ${r.type} reply from compress worker ${w}`);
      }),
    );
  }

  /** Stop the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
