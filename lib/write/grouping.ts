// Group assignment of one segment (docs/format.md 7.4): the (front, back) key, orientation,
// the one-splitter and missing-middle candidate searches, the fallback-minimizer lookup.
// Everything here reads only the state frozen at the start of a batch, so the decision for a
// segment never depends on which other segments of the batch were seen first.
import { fallbackKmers, reverseComplementCodes } from './native-scans.js';
import type { FallbackFilter, FallbackMap } from './splitters.js';
import { AgcError, AgcErrorCode } from '../errors.js';

/** The "no splitter" value ~0. */
export const NONE = 0xffffffffffffffffn;

/** Map key of the ordered pair (a, b) of 64-bit k-mer values. */
export function pairKey(a: bigint, b: bigint): bigint {
  return (a << 64n) | b;
}

/** A splitter end of a segment: upstream's CKmer as far as grouping needs it. */
export interface KmerEnd {
  full: boolean;
  dir: bigint;
  rc: bigint;
}

/** The empty (reset) k-mer: not full, dir = rc = 0. */
export const EMPTY_END: KmerEnd = Object.freeze({ full: false, dir: 0n, rc: 0n });

/** Allocator for reverse complements (the compressor passes one backed by shared memory). */
export type Alloc = (n: number) => Uint8Array;

const plainAlloc: Alloc = (n) => new Uint8Array(n);

const canon = (e: KmerEnd): bigint => (e.dir < e.rc ? e.dir : e.rc);
const isDirOriented = (e: KmerEnd): boolean => e.dir <= e.rc;
const swapped = (e: KmerEnd): KmerEnd => ({ full: e.full, dir: e.rc, rc: e.dir });

/** What grouping needs to know about an existing group. */
export interface GroupView {
  /**
   * Reference length + 1; 0 for raw groups and for append-mode groups not yet touched in this run
   * (the "packed" quirk, docs/format.md 7.8).
   */
  readonly refSize: number;
  /** LZ-diff cost estimate of `seq` against the reference, early exit above `bound` (4.9); 0 when refSize is 0. */
  estimate(seq: Uint8Array, bound: number): number;
  /**
   * Per-symbol coding costs (4.10); empty when refSize is 0. With `out` (at least seq.length long)
   * they may be written into it, the result then being a view of its start.
   */
  costs(seq: Uint8Array, prefix: boolean, out?: Uint32Array): Uint32Array;
}

/** The fallback-minimizer filter and map (2.6) as grouping reads them. */
export interface FallbackLookup {
  readonly filter: FallbackFilter;
  readonly map: FallbackMap;
}

/** Parameters that shape decisions. */
export interface GroupingParams {
  k: number;
  /** -s (decides "short" in the fallback lookup) */
  segmentSize: number;
  concatenated: boolean;
  adaptive: boolean;
}

/**
 * map_segments, terminators and the group views: the batch-frozen state of 4.1. Mutated only by the
 * registration/store stage ({@link GroupingState.addGroupKey}).
 */
export class GroupingState {
  /** (a, b) -> group id; (~0, ~0) -> 0 always present. */
  readonly mapSegments = new Map<bigint, number>();
  /** splitter -> ascending partner splitters of two-sided keys. */
  readonly terminators = new Map<bigint, bigint[]>();
  /** Group views by id (raw groups included). */
  readonly groups: GroupView[] = [];

  constructor() {
    this.mapSegments.set(pairKey(NONE, NONE), 0);
  }

  /** Record key (a, b) of a group that just received its first segment (4.4 step 5). */
  addGroupKey(a: bigint, b: bigint, id: number): void {
    const key = pairKey(a, b);
    const old = this.mapSegments.get(key);
    if (old === undefined || old > id) this.mapSegments.set(key, id);
    if (a !== NONE && b !== NONE) {
      insertSorted(this.terminators, a, b);
      if (a !== b) insertSorted(this.terminators, b, a);
    }
  }

  /** Load a stored key (append): like addGroupKey but terminators are sorted once at the end. */
  loadGroupKey(a: bigint, b: bigint, id: number): void {
    this.mapSegments.set(pairKey(a, b), id);
    if (a !== NONE && b !== NONE) {
      pushTerm(this.terminators, a, b);
      if (a !== b) pushTerm(this.terminators, b, a);
    }
  }

  /** Sort every terminator list (after loadGroupKey). */
  sortTerminators(): void {
    for (const v of this.terminators.values()) v.sort(cmpBig);
  }

  /** All (a, b, id) entries sorted by (a, b): the segment-splitters stream. */
  sortedEntries(): Array<[bigint, bigint, number]> {
    const out: Array<[bigint, bigint, number]> = [];
    const mask = (1n << 64n) - 1n;
    for (const [key, id] of this.mapSegments) out.push([key >> 64n, key & mask, id]);
    out.sort((x, y) => (x[0] !== y[0] ? cmpBig(x[0], y[0]) : cmpBig(x[1], y[1])));
    return out;
  }
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pushTerm(m: Map<bigint, bigint[]>, a: bigint, b: bigint): void {
  const v = m.get(a);
  if (v === undefined) m.set(a, [b]);
  else v.push(b);
}

function insertSorted(m: Map<bigint, bigint[]>, a: bigint, b: bigint): void {
  const v = m.get(a);
  if (v === undefined) {
    m.set(a, [b]);
    return;
  }
  let i = v.length;
  while (i > 0 && v[i - 1]! > b) i--;
  v.splice(i, 0, b);
}

/** One piece to store: its key, whether the key is known (group id) or new (-1), orientation and data. */
export interface SegmentDecision {
  a: bigint;
  b: bigint;
  /** Group id when the key is in map_segments at batch start, else -1 (new entry). */
  group: number;
  rc: boolean;
  /** The stored bytes (already reverse-complemented when rc). */
  data: Uint8Array;
  /** The piece of the segment these bytes come from: seg[start, end), before any reverse complement. */
  start: number;
  end: number;
}

/**
 * add_segment (4.3): decide where `seg` goes. Returns one decision, or two when the segment is split
 * between two existing groups (the caller then advances the part number by 2).
 */
export function decideSegment(
  st: GroupingState,
  p: GroupingParams,
  fb: FallbackLookup,
  seg: Uint8Array,
  front: KmerEnd,
  back: KmerEnd,
  alloc: Alloc = plainAlloc,
): SegmentDecision[] {
  let a: bigint;
  let b: bigint;
  let storeRc = false;
  let segRc: Uint8Array | null = null;
  const rcOf = (): Uint8Array => (segRc ??= reverseComplementCodes(seg, alloc(seg.length)));

  // Step 1: initial key.
  if (!front.full && !back.full) {
    if (fb.filter.enabled) [a, b, storeRc] = fallbackLookup(st, p, fb, seg, 1);
    else [a, b] = [NONE, NONE];
  } else if (front.full && back.full) {
    const f = canon(front);
    const bk = canon(back);
    if (f < bk) [a, b] = [f, bk];
    else {
      [a, b] = [bk, f];
      storeRc = true;
    }
  } else if (front.full) {
    [a, b, storeRc] = oneSplitter(st, front, seg, rcOf());
    if (a === NONE || b === NONE) {
      const [a2, b2, r2] = fallbackLookup(st, p, fb, seg, 5);
      if (a2 !== NONE || b2 !== NONE) [a, b, storeRc] = [a2, b2, r2];
    }
  } else {
    const rc = rcOf();
    let dirStore: boolean;
    [a, b, dirStore] = oneSplitter(st, swapped(back), rc, seg);
    storeRc = !dirStore;
    if (a === NONE || b === NONE) {
      const [a2, b2, r2] = fallbackLookup(st, p, fb, rc, 5);
      if (a2 !== NONE || b2 !== NONE) {
        [a, b] = [a2, b2];
        storeRc = !r2;
      }
    }
  }

  let group = st.mapSegments.get(pairKey(a, b));

  // Step 2: split into two existing groups.
  if (!p.concatenated && group === undefined && a !== NONE && b !== NONE && st.terminators.has(a) && st.terminators.has(b)) {
    const fData = canon(front);
    const bData = canon(back);
    if (fData === bData) {
      if (!isDirOriented(front)) storeRc = true;
    } else {
      let k1 = front;
      let k2 = back;
      let useRc = false;
      if (fData > bData) {
        k1 = swapped(back);
        k2 = swapped(front);
        useRc = true;
      }
      const k1d = canon(k1);
      const k2d = canon(k2);
      const [mid, pos] = missingMiddle(st, p.k, k1d, k2d, useRc ? rcOf() : seg, useRc ? seg : rcOf());
      if (mid !== NONE) {
        let left = pos;
        let right = seg.length - pos;
        if (left === 0) {
          storeRc = mid < k2d ? useRc : !useRc;
          [a, b] = mid < k2d ? [mid, k2d] : [k2d, mid];
        } else if (right === 0) {
          storeRc = k1d < mid ? useRc : !useRc;
          [a, b] = k1d < mid ? [k1d, mid] : [mid, k1d];
        } else {
          if (useRc) [left, right] = [right, left];
          const start2 = left - (p.k >> 1);
          const piece1 = seg.subarray(0, start2 + p.k);
          const piece2 = seg.subarray(start2);
          let a1: bigint, b1: bigint, rc1: boolean;
          if (fData < mid) [a1, b1, rc1] = [fData, mid, false];
          else [a1, b1, rc1] = [mid, fData, true];
          let a2: bigint, b2: bigint, rc2: boolean;
          if (mid < bData) [a2, b2, rc2] = [mid, bData, false];
          else [a2, b2, rc2] = [bData, mid, true];
          const g1 = st.mapSegments.get(pairKey(a1, b1));
          const g2 = st.mapSegments.get(pairKey(a2, b2));
          if (g1 === undefined || g2 === undefined) throw new AgcError(AgcErrorCode.INTERNAL, 'internal: split target group missing');
          return [
            { a: a1, b: b1, group: g1, rc: rc1, data: rc1 ? reverseComplementCodes(piece1, alloc(piece1.length)) : piece1, start: 0, end: piece1.length },
            {
              a: a2,
              b: b2,
              group: g2,
              rc: rc2,
              data: rc2 ? reverseComplementCodes(piece2, alloc(piece2.length)) : piece2,
              start: seg.length - piece2.length,
              end: seg.length,
            },
          ];
        }
      }
    }
    group = st.mapSegments.get(pairKey(a, b));
  }

  // Step 3: general fallback.
  if (group === undefined && fb.filter.enabled) {
    const [a3, b3, r3] = fallbackLookup(st, p, fb, seg, 2);
    if (a3 !== NONE || b3 !== NONE) {
      [a, b, storeRc] = [a3, b3, r3];
      group = st.mapSegments.get(pairKey(a, b));
    }
  }

  return [{ a, b, group: group ?? -1, rc: storeRc, data: storeRc ? rcOf() : seg, start: 0, end: seg.length }];
}

/**
 * find_cand_segment_with_one_splitter (4.6.1). `k` is the known splitter oriented so that `dirSeq`
 * follows it. Returns (a, b, storeRc).
 */
function oneSplitter(st: GroupingState, k: KmerEnd, dirSeq: Uint8Array, rcSeq: Uint8Array): [bigint, bigint, boolean] {
  const x = canon(k);
  const oneSided = (): [bigint, bigint, boolean] => (isDirOriented(k) ? [x, NONE, false] : [NONE, x, true]);
  const partners = st.terminators.get(x);
  if (partners === undefined) return oneSided();

  const n = dirSeq.length;
  interface Cand {
    a: bigint;
    b: bigint;
    rc: boolean;
    g: GroupView;
    est: number;
  }
  const cands: Cand[] = [];
  for (const c of partners) {
    const [a, b, rc] = c < x ? [c, x, true] : [x, c, false];
    const id = st.mapSegments.get(pairKey(a, b));
    if (id === undefined) throw new AgcError(AgcErrorCode.INTERNAL, 'internal: terminator without group');
    cands.push({ a, b, rc, g: st.groups[id]!, est: 0 });
  }
  // Array.prototype.sort is stable, as std::stable_sort.
  cands.sort((p1, p2) => {
    const d1 = Math.abs(n - p1.g.refSize);
    const d2 = Math.abs(n - p2.g.refSize);
    if (d1 !== d2) return d1 - d2;
    return p1.g.refSize - p2.g.refSize;
  });

  let best = n < 16 ? n : n - 16;
  for (const c of cands) {
    c.est = c.g.estimate(c.rc ? rcSeq : dirSeq, best);
    if (c.est < best) best = c.est;
  }
  let bestA = NONE;
  let bestB = NONE;
  let bestRc = false;
  for (const c of cands) {
    const lt = c.a < bestA || (c.a === bestA && c.b < bestB);
    const eq = c.a === bestA && c.b === bestB;
    if (c.est < best || (c.est === best && lt) || (c.est === best && eq && !c.rc)) {
      best = c.est;
      bestA = c.a;
      bestB = c.b;
      bestRc = c.rc;
    }
  }
  if (bestA === NONE && bestB === NONE) return oneSided();
  return [bestA, bestB, bestRc];
}

/**
 * find_cand_segment_with_missing_middle_splitter (4.6.2) for k1 < k2 (canonical values), X in k1->k2
 * orientation. Returns (mid, pos) or (NONE, 0).
 */
function missingMiddle(st: GroupingState, k: number, k1: bigint, k2: bigint, x: Uint8Array, xRc: Uint8Array): [bigint, number] {
  const t1 = st.terminators.get(k1);
  const t2 = st.terminators.get(k2);
  if (t1 === undefined || t2 === undefined) return [NONE, 0];
  let mid = NONE;
  for (let i = 0, j = 0; i < t1.length && j < t2.length;) {
    const u = t1[i]!;
    const v = t2[j]!;
    if (u < v) i++;
    else if (v < u) j++;
    else {
      if (u !== NONE) {
        mid = u;
        break;
      }
      i++;
      j++;
    }
  }
  if (mid === NONE) return [NONE, 0];

  const id1 = st.mapSegments.get(k1 < mid ? pairKey(k1, mid) : pairKey(mid, k1));
  const id2 = st.mapSegments.get(mid < k2 ? pairKey(mid, k2) : pairKey(k2, mid));
  if (id1 === undefined || id2 === undefined) throw new AgcError(AgcErrorCode.INTERNAL, 'internal: middle splitter without group');
  const g1 = st.groups[id1]!;
  const g2 = st.groups[id2]!;

  // The loops are small functions of their own: in one function, each call reached a loop or
  // branch the optimised code had no feedback for, and V8 deoptimised and recompiled it again.
  const out1 = costScratch(0, x.length);
  const out2 = costScratch(1, x.length);
  const c1 = k1 < mid ? prefixSums(g1.costs(x, true, out1)) : prefixSums(g1.costs(xRc, false, out1).reverse());
  const c2 = mid < k2 ? suffixSums(g2.costs(x, false, out2)) : prefixSums(g2.costs(xRc, true, out2)).reverse();
  if (c1.length !== c2.length) return [NONE, 0];

  let pos = firstMinSum(c1, c2);
  if (pos < k + 1) pos = 0;
  if (pos + k + 1 > c1.length) pos = c1.length;
  return [mid, pos];
}

/**
 * The thread's two cost arrays of missingMiddle, reused: a fresh array per call (4 bytes per
 * symbol, above malloc's mmap threshold) was fresh memory faulted in every time, a good part of
 * create's kernel time. Segments longer than COST_SCRATCH_MAX get arrays of their own.
 */
const costArrays: [Uint32Array, Uint32Array] = [new Uint32Array(0), new Uint32Array(0)];
const COST_SCRATCH_MAX = 1 << 20;

function costScratch(i: 0 | 1, n: number): Uint32Array | undefined {
  if (n > COST_SCRATCH_MAX) return undefined;
  if (costArrays[i].length < n) costArrays[i] = new Uint32Array(Math.min(COST_SCRATCH_MAX, Math.max(n, 2 * costArrays[i].length)));
  return costArrays[i];
}

/** c[i] += c[i - 1] from the left (uint32 wrap-around), in place. */
function prefixSums(c: Uint32Array): Uint32Array {
  for (let i = 1; i < c.length; i++) c[i] = (c[i]! + c[i - 1]!) >>> 0;
  return c;
}

/** c[i] += c[i + 1] from the right (uint32 wrap-around), in place. */
function suffixSums(c: Uint32Array): Uint32Array {
  for (let i = c.length - 2; i >= 0; i--) c[i] = (c[i]! + c[i + 1]!) >>> 0;
  return c;
}

/** First position of the smallest c1[i] + c2[i] (uint32 wrap-around; same lengths). */
function firstMinSum(c1: Uint32Array, c2: Uint32Array): number {
  let bestSum = 0xffffffff;
  let pos = 0;
  for (let i = 0; i < c1.length; i++) {
    const s = (c1[i]! + c2[i]!) >>> 0;
    if (s < bestSum) {
      bestSum = s;
      pos = i;
    }
  }
  return pos;
}

/**
 * find_cand_segment_using_fallback_minimizers (4.7). Returns (a, b, storeRc); (NONE, NONE, false)
 * when nothing suitable is found (always so when the feature is off).
 */
export function fallbackLookup(st: GroupingState, p: GroupingParams, fb: FallbackLookup, seq: Uint8Array, minCount: number): [bigint, bigint, boolean] {
  if (!fb.filter.enabled) return [NONE, NONE, false];
  const short = p.segmentSize <= 10000;

  // Every (oriented pair, supporting k-mer) occurrence as 6 words [aHi, aLo, bHi, bLo, xHi, xLo];
  // the windows passing the filter come from the addon (a small fraction of the segment's).
  const hits = fallbackKmers(seq, p.k, fb.filter);
  let occ = new Uint32Array(96);
  let n = 0;
  for (let h = 0; h < hits.length; h += 3) {
    const hi = hits[h]!;
    const lo = hits[h + 1]!;
    const pairs = fb.map.getPairs(hi, lo);
    if (pairs === undefined) continue;
    const dirOr = hits[h + 2] === 1;
    for (let j = 0; j < pairs.length; j += 4) {
      const phi = pairs[j]!;
      const plo = pairs[j + 1]!;
      const qhi = pairs[j + 2]!;
      const qlo = pairs[j + 3]!;
      if ((phi & plo) === -1 || (qhi & qlo) === -1) continue; // either side ~0
      if (6 * (n + 1) > occ.length) {
        const grown = new Uint32Array(occ.length * 2);
        grown.set(occ);
        occ = grown;
      }
      const o = 6 * n++;
      occ[o] = dirOr ? phi : qhi;
      occ[o + 1] = dirOr ? plo : qlo;
      occ[o + 2] = dirOr ? qhi : phi;
      occ[o + 3] = dirOr ? qlo : plo;
      occ[o + 4] = hi;
      occ[o + 5] = lo;
    }
  }
  if (n === 0) return [NONE, NONE, false];

  // Distinct supporting k-mers per pair: sort the occurrences, count the changes of k-mer in a run.
  const order = Array.from({ length: n }, (_, i) => 6 * i);
  order.sort((x, y) => {
    for (let w = 0; w < 6; w++) if (occ[x + w] !== occ[y + w]) return occ[x + w]! < occ[y + w]! ? -1 : 1;
    return 0;
  });
  const samePair = (x: number, y: number): boolean => occ[x] === occ[y] && occ[x + 1] === occ[y + 1] && occ[x + 2] === occ[y + 2] && occ[x + 3] === occ[y + 3];
  let cands: Array<{ count: number; o: number }> = [];
  for (let i = 0; i < n;) {
    const first = order[i]!;
    let count = 1;
    let j = i + 1;
    for (; j < n && samePair(first, order[j]!); j++) {
      const prev = order[j - 1]!;
      const cur = order[j]!;
      if (occ[cur + 4] !== occ[prev + 4] || occ[cur + 5] !== occ[prev + 5]) count++;
    }
    if (count >= minCount) cands.push({ count, o: first });
    i = j;
  }
  if (cands.length === 0) return [NONE, NONE, false];
  // descending by (count, first, second)
  cands.sort((x, y) => {
    if (x.count !== y.count) return y.count - x.count;
    for (let w = 0; w < 4; w++) if (occ[x.o + w] !== occ[y.o + w]) return occ[x.o + w]! < occ[y.o + w]! ? 1 : -1;
    return 0;
  });
  if (cands.length > 10) cands = cands.slice(0, 10);
  while (cands[cands.length - 1]!.count * 2 < cands[0]!.count) cands.pop();
  const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);
  const pq = cands.map((c) => ({ p: big(occ[c.o]!, occ[c.o + 1]!), q: big(occ[c.o + 2]!, occ[c.o + 3]!) }));

  let seqRc: Uint8Array | null = null;
  let bestP = NONE;
  let bestQ = NONE;
  let bestEs = seq.length;
  for (const c of pq) {
    const isRc = c.p > c.q;
    const id = st.mapSegments.get(isRc ? pairKey(c.q, c.p) : pairKey(c.p, c.q));
    let es = 0;
    if (id !== undefined) {
      if (short) {
        bestP = c.p;
        bestQ = c.q;
        bestEs = 0;
        break;
      }
      es = st.groups[id]!.estimate(isRc ? (seqRc ??= reverseComplementCodes(seq)) : seq, bestEs);
    }
    if (es !== 0 && es < bestEs) {
      bestEs = es;
      bestP = c.p;
      bestQ = c.q;
    }
  }

  if (p.adaptive) {
    if (short ? bestEs >= seq.length * 0.9 : bestEs >= seq.length * 0.2) return [NONE, NONE, false];
  }
  return bestP <= bestQ ? [bestP, bestQ, false] : [bestQ, bestP, true];
}
