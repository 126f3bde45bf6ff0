// Contig geometry (docs/format.md 5.7, 5.8): consecutive segments overlap by k symbols, so segment 0
// contributes all its symbols and every later segment all but its first k. Precomputing where each
// contribution starts lets a range query decode only the segments it touches.
import { AgcCorruptError } from '../errors.js';

/** Placement of one contig's segments plus the derived coordinates. */
export interface ContigLayout {
  /** Full stored name (FASTA header without '>'). */
  readonly name: string;
  readonly groupId: Uint32Array;
  readonly inGroupId: Uint32Array;
  readonly rawLength: Uint32Array;
  readonly revComp: Uint8Array;
  /** starts[j] = contig position of segment j's first contributed symbol; starts[nseg] = length. */
  readonly starts: Float64Array;
  /** Contig length in symbols. */
  readonly length: number;
}

/** Build the layout of a contig from its segment descriptions (views are kept, not copied). */
export function makeLayout(name: string, k: number, groupId: Uint32Array, inGroupId: Uint32Array, rawLength: Uint32Array, revComp: Uint8Array): ContigLayout {
  const n = rawLength.length;
  const starts = new Float64Array(n + 1);
  let pos = 0;
  for (let j = 0; j < n; j++) {
    starts[j] = pos;
    // A later segment shorter than k is corrupt; upstream skips it, which contributes nothing.
    pos += j === 0 ? rawLength[0] : Math.max(0, rawLength[j] - k);
  }
  starts[n] = pos;
  return { name, groupId, inGroupId, rawLength, revComp, starts, length: pos };
}

/** Index of the segment whose contribution contains position `pos` (0 <= pos < length). */
export function segmentAt(layout: ContigLayout, pos: number): number {
  const s = layout.starts;
  let lo = 0;
  let hi = s.length - 2; // last segment index
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Writes symbols [i0, i0 + count) of segment j of a layout, decoded and oriented
 * (reverse-complemented when revComp[j]), into dst[q, q + count).
 */
export type SegmentRangeWriter = (layout: ContigLayout, j: number, i0: number, count: number, dst: Uint8Array, q: number) => void;

/**
 * Write positions [from, to) of a contig (0-based, half-open, already clipped to the contig) into
 * `dst` at `dstOffset`. Only the segments that overlap the range are touched, and of each only the
 * symbols the range needs are asked for. Returns the count.
 */
export function writeContigRange(layout: ContigLayout, k: number, from: number, to: number, write: SegmentRangeWriter, dst: Uint8Array, dstOffset = 0): number {
  if (to <= from) return 0;
  const starts = layout.starts;
  const nseg = layout.rawLength.length;
  let q = dstOffset;
  for (let j = segmentAt(layout, from); j < nseg && starts[j] < to; j++) {
    const segFrom = Math.max(from, starts[j]);
    const segTo = Math.min(to, starts[j + 1]);
    if (segTo <= segFrom) continue;
    const i0 = (j === 0 ? 0 : k) + (segFrom - starts[j]);
    const count = segTo - segFrom;
    write(layout, j, i0, count, dst, q);
    q += count;
  }
  return q - dstOffset;
}

/** Supplies segment j of a layout decoded and oriented (reverse-complemented when revComp[j]). */
export type SegmentSource = (layout: ContigLayout, j: number) => Uint8Array;

/** As writeContigRange, for a source of whole decoded segments (checked against their raw lengths). */
export function copyContigRange(layout: ContigLayout, k: number, from: number, to: number, source: SegmentSource, dst: Uint8Array, dstOffset = 0): number {
  const write: SegmentRangeWriter = (l, j, i0, count, d, q) => {
    const seg = source(l, j);
    if (seg.length !== l.rawLength[j])
      throw new AgcCorruptError(`corrupted archive: segment ${j} of contig ${l.name} decoded to ${seg.length} symbols, expected ${l.rawLength[j]}`);
    d.set(seg.subarray(i0, i0 + count), q);
  };
  return writeContigRange(layout, k, from, to, write, dst, dstOffset);
}

/** Writes segment j of a layout, decoded and oriented, into dst[offset, offset + rawLength[j]). */
export type SegmentWriter = (layout: ContigLayout, j: number, dst: Uint8Array, offset: number) => void;

/**
 * Write a whole contig into dst[dstOffset, dstOffset + length). Each segment is decoded straight
 * into place, k symbols before its contribution starts, so no per-segment buffer or copy is
 * needed. Those k symbols overlap the previous segment; writing from the last segment backwards
 * lets the earlier segment win, which is what upstream keeps (it drops the first k of the later).
 */
export function writeWholeContig(layout: ContigLayout, k: number, write: SegmentWriter, dst: Uint8Array, dstOffset = 0): void {
  const nseg = layout.rawLength.length;
  for (let j = nseg - 1; j >= 0; j--) {
    if (j > 0 && layout.rawLength[j] < k) continue; // corrupt; contributes nothing (as upstream)
    write(layout, j, dst, dstOffset + layout.starts[j] - (j === 0 ? 0 : k));
  }
}
