// Contig segmentation (docs/format.md 7.3, upstream compress_contig): cut a contig after every
// occurrence of a splitter k-mer; consecutive segments overlap by exactly k symbols.
import { KmerSet, type KmerLookup, type SortedKmers } from './kmer/kmer-set.js';
import { EMPTY_END, type KmerEnd } from './grouping.js';
import { native } from '../native/load.js';

const FILTER_BITS = 21;

/** Filter slot of a window from its last 16 symbols (2 bits each, newest lowest). */
function slotOfTail(tail: number): number {
  return Math.imul(tail, 0x9e3779b1) >>> (32 - FILTER_BITS);
}

/** Last 16 symbols of a left-aligned k-mer (hi, lo) as a 32-bit number. */
function tailOf(hi: number, lo: number, k: number): number {
  const shift = 64 - 2 * k;
  return shift === 0 ? lo >>> 0 : ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
}

/** Reverse complement of a left-aligned k-mer, as [hi, lo]. */
function reverseComplementKmer(hi: number, lo: number, k: number): [number, number] {
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  let r = 0n;
  for (let i = 0; i < k; i++) {
    const sym = (v >> BigInt(62 - 2 * i)) & 3n;
    r |= (3n - sym) << BigInt(62 - 2 * (k - 1 - i));
  }
  return [Number(r >> 32n), Number(r & 0xffffffffn)];
}

/**
 * The splitter set with a one-bit-per-slot prefilter keyed by the last 16 symbols of a window in
 * either orientation, so the per-symbol scan only has to roll 32 bits: almost no window is a
 * splitter, and the filter says so with one memory read. Passing windows are checked exactly.
 */
export class SplitterSet implements KmerLookup {
  readonly k: number;
  private readonly set: KmerSet;
  readonly bits = new Uint8Array(1 << (FILTER_BITS - 3));

  constructor(k: number, expected = 1024) {
    this.k = k;
    this.set = new KmerSet(expected);
  }

  get size(): number {
    return this.set.size;
  }

  /** Add a canonical splitter. */
  add(hi: number, lo: number): void {
    if (!this.set.add(hi, lo)) return;
    const [rHi, rLo] = reverseComplementKmer(hi, lo, this.k);
    for (const t of [tailOf(hi, lo, this.k), tailOf(rHi, rLo, this.k)]) {
      const b = slotOfTail(t);
      this.bits[b >>> 3]! |= 1 << (b & 7);
    }
  }

  has(hi: number, lo: number): boolean {
    return this.set.has(hi, lo);
  }

  /** All splitters, ascending (the `splitters` stream). */
  toSorted(): SortedKmers {
    return this.set.toSorted();
  }
}

/**
 * Receives each segment: its part number, the bytes (a view into the contig), and the splitter
 * k-mers at its front and back (EMPTY_END when absent). Returns how many part numbers it used (1,
 * or 2 when the segment was split between two groups).
 */
export type SegmentSink = (part: number, seg: Uint8Array, front: KmerEnd, back: KmerEnd) => number;

const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

// Splitter hits of the contig being segmented: end position and the k-mer (dir, rc halves).
let hitPos = new Int32Array(1024);
let hitKmer = new Uint32Array(4 * 1024);

// Positions whose last 16 symbols pass the splitter filter (native prefilter, see below).
let candidates = new Uint32Array(4096);

/**
 * Positions where a splitter k-mer ends (`pos` = index of its last symbol), with the k-mer reset
 * after each hit as upstream does (splitters never overlap). Returns the number of hits.
 *
 * The per-symbol filter scan is native (splitterCandidates): it is the only part that touches every
 * base. Candidates are rare and checked exactly here; a hit at p hides candidates before p + k,
 * which is what restarting the k-mer after a hit means (a candidate at q >= p + k has k ACGT
 * symbols after p, as the scan only reports windows of k ACGT symbols).
 */
function findHits(seq: Uint8Array, k: number, splitters: SplitterSet): number {
  let total = native.splitterCandidates(seq, k, splitters.bits, FILTER_BITS, candidates);
  if (total > candidates.length) {
    candidates = new Uint32Array(total);
    total = native.splitterCandidates(seq, k, splitters.bits, FILTER_BITS, candidates);
  }
  const shift = 64 - 2 * k;
  let hits = 0;
  let nextAllowed = 0;
  for (let c = 0; c < total; c++) {
    const pos = candidates[c]!;
    if (pos < nextAllowed) continue;
    // Rebuild the window's forward and reverse-complement k-mers exactly.
    let dHi = 0;
    let dLo = 0;
    let rHi = 0;
    let rLo = 0;
    for (let i = pos + 1 - k; i <= pos; i++) {
      const y = seq[i]!;
      dHi = ((dHi << 2) | (dLo >>> 30)) >>> 0;
      dLo = ((dLo << 2) | y) >>> 0;
      rLo = ((rLo >>> 2) | (rHi << 30)) >>> 0;
      rHi = ((rHi >>> 2) | ((3 - y) << 30)) >>> 0;
    }
    // dir was built right-aligned: shift it left-aligned; rc is left-aligned with shift zero bits.
    if (shift > 0) {
      dHi = ((dHi << shift) | (dLo >>> (32 - shift))) >>> 0;
      dLo = (dLo << shift) >>> 0;
    }
    const dirOr = dHi < rHi || (dHi === rHi && dLo <= rLo);
    if (!(dirOr ? splitters.has(dHi, dLo) : splitters.has(rHi, rLo))) continue;
    if (hits === hitPos.length) growHits();
    hitPos[hits] = pos;
    hitKmer[4 * hits] = dHi;
    hitKmer[4 * hits + 1] = dLo;
    hitKmer[4 * hits + 2] = rHi;
    hitKmer[4 * hits + 3] = rLo;
    hits++;
    nextAllowed = pos + k;
  }
  return hits;
}

function growHits(): void {
  const p = new Int32Array(hitPos.length * 2);
  p.set(hitPos);
  hitPos = p;
  const q = new Uint32Array(hitKmer.length * 2);
  q.set(hitKmer);
  hitKmer = q;
}

/**
 * Segment `seq` at the splitters. With `deferWithoutSplitter` (adaptive mode, first pass) a contig in
 * which the last splitter seen has a zero forward value (none found, or the poly-A k-mer, as
 * upstream tests it) is not finished: the function returns false and the final segment is not
 * emitted. Otherwise returns true.
 */
export function segmentContig(seq: Uint8Array, k: number, splitters: SplitterSet, sink: SegmentSink, deferWithoutSplitter = false): boolean {
  const hits = findHits(seq, k, splitters);
  const n = seq.length;
  let splitPos = 0;
  let part = 0;
  let front: KmerEnd = EMPTY_END;
  for (let h = 0; h < hits; h++) {
    const pos = hitPos[h]!;
    const o = 4 * h;
    const back: KmerEnd = { full: true, dir: big(hitKmer[o]!, hitKmer[o + 1]!), rc: big(hitKmer[o + 2]!, hitKmer[o + 3]!) };
    part += sink(part, seq.subarray(splitPos, pos + 1), front, back);
    splitPos = pos + 1 - k;
    front = back;
  }
  if (deferWithoutSplitter && front.dir === 0n) return false;
  if (splitPos < n) sink(part, seq.subarray(splitPos), front, EMPTY_END);
  return true;
}
