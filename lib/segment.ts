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
  const shift = 64 - 2 * k; // position of the newest symbol in the left-aligned forward k-mer (< 32)
  const loMask = (0xffffffff << shift) >>> 0;
  const n = seq.length;
  let dHi = 0;
  let dLo = 0;
  let rHi = 0;
  let rLo = 0;
  let len = 0;
  let splitPos = 0;
  let part = 0;
  let front: KmerEnd = EMPTY_END;
  const bits = splitters.bits;

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

    const back: KmerEnd = { full: true, dir: big(dHi, dLo), rc: big(rHi, rLo) };
    part += sink(part, seq.subarray(splitPos, pos + 1), front, back);
    splitPos = pos + 1 - k;
    front = back;
    dHi = dLo = rHi = rLo = 0;
    len = 0;
  }

  if (deferWithoutSplitter && front.dir === 0n) return false;
  if (splitPos < n) sink(part, seq.subarray(splitPos), front, EMPTY_END);
  return true;
}
