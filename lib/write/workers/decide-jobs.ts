// Group decisions of a batch shared out between threads (docs/format.md 7.4). A decision reads only
// the state frozen at the batch start, so any thread holding a copy of that state may make it; the
// main thread then registers the results in the batch's own order, which gives the same bytes for
// any number of threads. Each worker keeps a replica of the grouping state (keys and terminators;
// the group references and their LZ-diff indexes are shared memory, not copies), brought up to date
// after every registration by a sync message.
import { GroupingState, NONE, decideSegment, type GroupingParams, type GroupView, type KmerEnd } from '../grouping.js';
import { FallbackFilter, FallbackMap, applyFallbackRecordData } from '../splitters.js';
import { RAW_VIEW, RefView } from '../group-store.js';
import type { SharedLzData } from '../lz-diff-encode.js';

/**
 * Segments to decide, in shared memory; threads claim them through `counter` and write each
 * decision into its job's slot of `results`. The main thread waits for the jobs, not for the
 * workers' replies: a worker busy storing the previous batch replies late, having claimed nothing.
 */
export interface DecideJobsMessage {
  buffers: SharedArrayBuffer[];
  /** Per job: buffer index, byte offset, length. */
  where: Uint32Array;
  /** Per job: front then back end, each [full, dirHi, dirLo, rcHi, rcLo]. */
  ends: Uint32Array;
  /** Int32 [next job to claim, jobs decided]. */
  counter: SharedArrayBuffer;
  /** Per job RESULT_WORDS uint32: piece count (1 or 2), then per piece PIECE_WORDS. */
  results: SharedArrayBuffer;
}

/** Per piece: aHi, aLo, bHi, bLo, group (~0 for a new key), rc, start, end. */
export const PIECE_WORDS = 8;
export const RESULT_WORDS = 1 + 2 * PIECE_WORDS;

/** State changes after a registration: new keys (added in order) and group views (new or unpacked). */
export interface SyncMessage {
  /** Per key: aHi, aLo, bHi, bLo, id. */
  keys: Uint32Array;
  /** Groups whose view is the shared reference data below. */
  viewIds: Uint32Array;
  padded: Uint8Array[];
  index: Int32Array[];
  /** Snapshot only: the raw/packed groups (no reference yet) among ids below `numGroups`. */
  numGroups: number;
  /**
   * Fallback-minimizer records the registration made visible (FallbackRecords layout, 7 words
   * each); a snapshot carries the whole map this way. Empty when the feature is off.
   */
  fallback: Uint32Array;
}

const hiOf = (x: bigint): number => Number(x >> 32n);
const loOf = (x: bigint): number => Number(x & 0xffffffffn);
const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

function writeEnd(e: KmerEnd, out: Uint32Array, o: number): void {
  out[o] = e.full ? 1 : 0;
  out[o + 1] = hiOf(e.dir);
  out[o + 2] = loOf(e.dir);
  out[o + 3] = hiOf(e.rc);
  out[o + 4] = loOf(e.rc);
}

function readEnd(a: Uint32Array, o: number): KmerEnd {
  return { full: a[o] === 1, dir: big(a[o + 1]!, a[o + 2]!), rc: big(a[o + 3]!, a[o + 4]!) };
}

/** Jobs of segments that are views into shared memory (the batch arena). */
export function buildDecideJobs(jobs: ReadonlyArray<{ seg: Uint8Array; front: KmerEnd; back: KmerEnd }>): DecideJobsMessage {
  const n = jobs.length;
  const where = new Uint32Array(3 * n);
  const ends = new Uint32Array(10 * n);
  const buffers: SharedArrayBuffer[] = [];
  const index = new Map<ArrayBufferLike, number>();
  jobs.forEach((j, i) => {
    const b = j.seg.buffer;
    if (!(b instanceof SharedArrayBuffer)) throw new Error('internal: decision jobs need segments in shared memory');
    let bi = index.get(b);
    if (bi === undefined) index.set(b, (bi = buffers.push(b) - 1));
    where[3 * i] = bi;
    where[3 * i + 1] = j.seg.byteOffset;
    where[3 * i + 2] = j.seg.length;
    writeEnd(j.front, ends, 10 * i);
    writeEnd(j.back, ends, 10 * i + 5);
  });
  return { buffers, where, ends, counter: new SharedArrayBuffer(8), results: new SharedArrayBuffer(4 * RESULT_WORDS * n) };
}

/** A thread's copy of the decision state (the main thread uses its own state directly). */
export class DecideCore {
  readonly state = new GroupingState();
  private readonly fb: { filter: FallbackFilter; map: FallbackMap };

  constructor(
    private readonly gp: GroupingParams,
    private readonly minMatchLen: number,
    fallbackFrac: number,
  ) {
    this.fb = { filter: new FallbackFilter(fallbackFrac), map: new FallbackMap() };
  }

  sync(m: SyncMessage): void {
    const st = this.state;
    for (let g = st.groups.length; g < m.numGroups; g++) st.groups[g] = RAW_VIEW;
    const k = m.keys;
    for (let i = 0; i < k.length; i += 5) st.addGroupKey(big(k[i]!, k[i + 1]!), big(k[i + 2]!, k[i + 3]!), k[i + 4]!);
    m.viewIds.forEach((g, i) => {
      st.groups[g] = RefView.fromShared({ padded: m.padded[i]!, index: m.index[i]! }, this.minMatchLen);
    });
    applyFallbackRecordData(this.fb.map, m.fallback, m.fallback.length / 7);
  }

  /** Claim and decide jobs until none is left; returns how many this thread decided. */
  take(m: DecideJobsMessage): number {
    return takeDecideJobs(m, this.state, this.gp, this.fb);
  }
}

/** Claim and decide jobs until none is left, against `state`; returns how many this thread decided. */
export function takeDecideJobs(m: DecideJobsMessage, state: GroupingState, gp: GroupingParams, fb: { filter: FallbackFilter; map: FallbackMap }): number {
  const counter = new Int32Array(m.counter);
  const out = new Uint32Array(m.results);
  const n = m.where.length / 3;
  if (Atomics.load(counter, 0) >= n) return 0; // a late 'decide' message: all claimed already
  // Reverse complements a decision makes serve that decision only (the pieces leave the thread as
  // ranges), so one buffer is reused from job to job.
  let scratch = new Uint8Array(1 << 16);
  let used = 0;
  const alloc = (len: number): Uint8Array => {
    if (used + len > scratch.length) {
      scratch = new Uint8Array(Math.max(2 * scratch.length, len));
      used = 0;
    }
    used += len;
    return scratch.subarray(used - len, used);
  };
  let mine = 0;
  for (;;) {
    const j = Atomics.add(counter, 0, 1);
    if (j >= n) break;
    const seg = new Uint8Array(m.buffers[m.where[3 * j]!]!, m.where[3 * j + 1]!, m.where[3 * j + 2]!);
    used = 0;
    const ds = decideSegment(state, gp, fb, seg, readEnd(m.ends, 10 * j), readEnd(m.ends, 10 * j + 5), alloc);
    let o = RESULT_WORDS * j;
    out[o++] = ds.length;
    for (const d of ds) {
      out[o] = hiOf(d.a);
      out[o + 1] = loOf(d.a);
      out[o + 2] = hiOf(d.b);
      out[o + 3] = loOf(d.b);
      out[o + 4] = d.group < 0 ? 0xffffffff : d.group;
      out[o + 5] = d.rc ? 1 : 0;
      out[o + 6] = d.start;
      out[o + 7] = d.end;
      o += PIECE_WORDS;
    }
    mine++;
    // Publishes this job's slot (Atomics order the writes above); the last job wakes the main thread.
    if (Atomics.add(counter, 1, 1) + 1 === n) Atomics.notify(counter, 1);
  }
  return mine;
}

// In every supported Node (V8 8.7+), not yet in the ES2022 lib the build targets.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(this: void, a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/**
 * Resolves once every job of `m` is decided. `replies` (every worker's answer to the message)
 * settles no earlier; it is raced only so that a worker's failure is not waited for forever.
 */
export async function allDecided(m: DecideJobsMessage, replies: Promise<unknown>): Promise<void> {
  const counter = new Int32Array(m.counter);
  const n = m.where.length / 3;
  for (;;) {
    const done = Atomics.load(counter, 1);
    if (done >= n) return;
    const w = waitAsync(counter, 1, done);
    if (w.async) await Promise.race([w.value, replies]);
  }
}

/**
 * A snapshot for a new replica: every key of `state`, the views that have reference data, and the
 * fallback map's pairs as records.
 */
export function snapshotOf(state: GroupingState, fallback: FallbackMap): SyncMessage {
  const keys: number[] = [];
  const mask = 0xffffffffn;
  for (const [key, id] of state.mapSegments) {
    const a = key >> 64n;
    const b = key & ((1n << 64n) - 1n);
    if (a === NONE && b === NONE) continue; // present in every state
    keys.push(Number(a >> 32n), Number(a & mask), Number(b >> 32n), Number(b & mask), id);
  }
  const viewIds: number[] = [];
  const padded: Uint8Array[] = [];
  const index: Int32Array[] = [];
  state.groups.forEach((v: GroupView, g) => {
    const d = v instanceof RefView ? v.sharedData() : null;
    if (d) pushView(g, d, viewIds, padded, index);
  });
  const records: number[] = [];
  fallback.forEach((pairs, hi, lo) => {
    for (let i = 0; i < pairs.length; i += 4) records.push(pairs[i]!, pairs[i + 1]!, pairs[i + 2]!, pairs[i + 3]!, hi, lo, 1);
  });
  return {
    keys: Uint32Array.from(keys),
    viewIds: Uint32Array.from(viewIds),
    padded,
    index,
    numGroups: state.groups.length,
    fallback: Uint32Array.from(records),
  };
}

export function pushView(g: number, d: SharedLzData, viewIds: number[], padded: Uint8Array[], index: Int32Array[]): void {
  viewIds.push(g);
  padded.push(d.padded);
  index.push(d.index);
}
