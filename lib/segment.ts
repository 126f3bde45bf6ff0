// Contig segmentation (compression.md 3, upstream compress_contig): cut a contig after every
// occurrence of a splitter k-mer; consecutive segments overlap by exactly k symbols.
import type { KmerLookup } from './kmer-set.js';
import { EMPTY_END, type KmerEnd } from './grouping.js';

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
  splitters: KmerLookup,
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
    if (!(dirOr ? splitters.has(dHi, dLo) : splitters.has(rHi, rLo))) continue;

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
