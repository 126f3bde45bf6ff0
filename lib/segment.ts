// Contig segmentation (compression.md 3, upstream compress_contig): cut a contig after every
// occurrence of a splitter k-mer; consecutive segments overlap by exactly k symbols.
import { KmerSet, type KmerLookup, type SortedKmers } from './kmer-set.js';
import { EMPTY_END, type KmerEnd } from './grouping.js';

const FILTER_BITS = 20;

/** Bit of the splitter prefilter for a canonical k-mer (any cheap mix: it only saves hash probes). */
function filterSlot(hi: number, lo: number): number {
  return (Math.imul(lo ^ (hi >>> 7), 0x9e3779b1) ^ hi) >>> (32 - FILTER_BITS);
}

/**
 * The splitter set with a one-bit-per-slot prefilter: almost every k-mer of a contig is not a
 * splitter, and the filter answers that with one memory read instead of a hash-table probe.
 */
export class SplitterSet implements KmerLookup {
  private readonly set: KmerSet;
  readonly bits = new Uint8Array(1 << (FILTER_BITS - 3));

  constructor(expected = 1024) {
    this.set = new KmerSet(expected);
  }

  get size(): number {
    return this.set.size;
  }

  add(hi: number, lo: number): void {
    if (!this.set.add(hi, lo)) return;
    const b = filterSlot(hi, lo);
    this.bits[b >>> 3]! |= 1 << (b & 7);
  }

  /** Prefilter only: false means certainly not a splitter. */
  mayHave(hi: number, lo: number): boolean {
    const b = filterSlot(hi, lo);
    return (this.bits[b >>> 3]! & (1 << (b & 7))) !== 0;
  }

  has(hi: number, lo: number): boolean {
    return this.mayHave(hi, lo) && this.set.has(hi, lo);
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

/**
 * Positions where a splitter k-mer ends (`pos` = index of its last symbol), with the k-mer reset
 * after each hit as upstream does (splitters never overlap). Kept free of calls into callers'
 * code so that the per-symbol loop stays optimized. Returns the number of hits.
 */
function findHits(seq: Uint8Array, k: number, splitters: SplitterSet): number {
  const shift = 64 - 2 * k; // position of the newest symbol in the left-aligned forward k-mer (< 32)
  const loMask = (0xffffffff << shift) >>> 0;
  const bits = splitters.bits;
  const n = seq.length;
  let dHi = 0;
  let dLo = 0;
  let rHi = 0;
  let rLo = 0;
  let len = 0;
  let hits = 0;
  for (let pos = 0; pos < n; pos++) {
    const x = seq[pos]!;
    if (x > 3) {
      dHi = dLo = rHi = rLo = 0;
      len = 0;
      continue;
    }
    dHi = ((dHi << 2) | (dLo >>> 30)) >>> 0;
    dLo = ((dLo << 2) | (x << shift)) >>> 0;
    rLo = (((rLo >>> 2) | (rHi << 30)) & loMask) >>> 0;
    rHi = ((rHi >>> 2) | ((3 - x) << 30)) >>> 0;
    if (len < k) {
      len++;
      if (len < k) continue;
    }
    const dirOr = dHi < rHi || (dHi === rHi && dLo <= rLo);
    const cHi = dirOr ? dHi : rHi;
    const cLo = dirOr ? dLo : rLo;
    const slot = (Math.imul(cLo ^ (cHi >>> 7), 0x9e3779b1) ^ cHi) >>> (32 - FILTER_BITS);
    if ((bits[slot >>> 3]! & (1 << (slot & 7))) === 0) continue;
    if (!splitters.has(cHi, cLo)) continue;
    if (hits === hitPos.length) growHits();
    hitPos[hits] = pos;
    hitKmer[4 * hits] = dHi;
    hitKmer[4 * hits + 1] = dLo;
    hitKmer[4 * hits + 2] = rHi;
    hitKmer[4 * hits + 3] = rLo;
    hits++;
    dHi = dLo = rHi = rLo = 0;
    len = 0;
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
export function segmentContig(
  seq: Uint8Array,
  k: number,
  splitters: SplitterSet,
  sink: SegmentSink,
  deferWithoutSplitter = false,
): boolean {
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
