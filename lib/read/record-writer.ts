// One FASTA record (docs/format.md 6.3: '>' + header + '\n', then lines of `lineLength` symbols, each
// ended by '\n') written piece by piece into bounded buffers: fill() writes as much as fits and
// is called again with fresh room until `done`. Segments are visited in contig order; each one's
// contribution (all of segment 0, later ones without their first k symbols) is copied line by
// line straight from the decoded segment, which is a cached reference or a reused scratch buffer.
// So no contig-sized buffer exists, and memory stays bounded for any contig length.
import type { ContigLayout } from '../format/contig-layout.js';
import { AgcCorruptError } from '../errors.js';
import { segmentAt } from '../format/contig-layout.js';

const NL = 0x0a;

/** Where the writer gets decoded segments from (AgcArchive.segmentView). */
export interface SegmentViews {
  /**
   * Segment j of `layout`, decoded and oriented: a cached reference, or `scratch(n)` filled with
   * it (a view of its first n bytes). Valid until the next call.
   */
  segmentView(layout: ContigLayout, j: number, scratch: (n: number) => Uint8Array): Uint8Array;
}

// Second results of wrapCopy / wrapSet (module state instead of an allocated tuple).
let wrapEnd = 0;
let wrapColumn = 0;

/**
 * Copy up to `count` symbols from buf[s...] to buf[q...] (one buffer, regions apart) in lines of
 * L, the current line already holding `column` symbols; stops at `limit`. Returns the symbols
 * copied; wrapEnd / wrapColumn get the end of the output and the new column (L when a line was
 * filled but its newline did not fit). A small function of its own, like wrapInPlace: the loop
 * runs once per line and must be optimised early.
 */
function wrapCopy(buf: Uint8Array, s: number, count: number, q: number, limit: number, column: number, L: number): number {
  const s0 = s;
  const end = s + count;
  while (s < end && q < limit) {
    let take = L - column;
    if (take > end - s) take = end - s;
    if (take > limit - q) take = limit - q;
    buf.copyWithin(q, s, s + take);
    q += take;
    s += take;
    column += take;
    if (column === L) {
      if (q >= limit) break;
      buf[q++] = NL;
      column = 0;
    }
  }
  wrapEnd = q;
  wrapColumn = column;
  return s - s0;
}

/** As wrapCopy, between two buffers (slower: every line copy allocates a view). */
function wrapSet(src: Uint8Array, s: number, count: number, dst: Uint8Array, q: number, limit: number, column: number, L: number): number {
  const s0 = s;
  const end = s + count;
  while (s < end && q < limit) {
    let take = L - column;
    if (take > end - s) take = end - s;
    if (take > limit - q) take = limit - q;
    dst.set(src.subarray(s, s + take), q);
    q += take;
    s += take;
    column += take;
    if (column === L) {
      if (q >= limit) break;
      dst[q++] = NL;
      column = 0;
    }
  }
  wrapEnd = q;
  wrapColumn = column;
  return s - s0;
}

export class RecordWriter {
  private headPos = 0;
  private seg: number;
  /** Current segment's bytes and the part of it still to be copied. */
  private src: Uint8Array | undefined;
  private srcPos = 0;
  private srcEnd = 0;
  private column = 0;
  private newlinePending = false;
  private finished = false;
  // copyWithin needs one view over the whole buffer that holds both source and destination.
  private whole: Uint8Array | undefined;

  /**
   * @param head the header line bytes ('>' + header + '\n')
   * @param start, end 0-based half-open range of the contig, already clipped to it
   */
  constructor(
    private readonly views: SegmentViews,
    private readonly layout: ContigLayout,
    private readonly head: Uint8Array,
    private readonly start: number,
    private readonly end: number,
    private readonly lineLength: number,
    private readonly k: number,
    private readonly scratch: (n: number) => Uint8Array,
  ) {
    this.seg = end > start ? segmentAt(layout, start) : layout.rawLength.length;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Write the next bytes of the record into dst[offset, limit); returns the offset after them. */
  fill(dst: Uint8Array, offset: number, limit: number): number {
    let q = offset;
    if (this.headPos < this.head.length) {
      const take = Math.min(this.head.length - this.headPos, limit - q);
      dst.set(this.head.subarray(this.headPos, this.headPos + take), q);
      q += take;
      this.headPos += take;
      if (this.headPos < this.head.length) return q;
    }
    const L = this.lineLength;
    for (;;) {
      if (this.newlinePending) {
        if (q >= limit) return q;
        dst[q++] = NL;
        this.newlinePending = false;
      }
      if (this.src === undefined || this.srcPos >= this.srcEnd) {
        if (!this.nextSegment()) break;
        continue;
      }
      const src = this.src;
      const count = this.srcEnd - this.srcPos;
      let used: number;
      if (src.buffer === dst.buffer) {
        let whole = this.whole;
        if (whole === undefined || whole.buffer !== dst.buffer) whole = this.whole = new Uint8Array(dst.buffer);
        const base = dst.byteOffset;
        used = wrapCopy(whole, src.byteOffset + this.srcPos, count, base + q, base + limit, this.column, L);
        q = wrapEnd - base;
      } else {
        used = wrapSet(src, this.srcPos, count, dst, q, limit, this.column, L);
        q = wrapEnd;
      }
      this.srcPos += used;
      this.column = wrapColumn;
      if (this.column === L) {
        // the line is full but there was no room for its end
        this.column = 0;
        this.newlinePending = true;
        return q;
      }
      if (q >= limit) return q;
    }
    // the last line
    if (this.column !== 0) {
      if (q >= limit) return q;
      dst[q++] = NL;
      this.column = 0;
    }
    this.finished = true;
    return q;
  }

  /** Move to the next segment that contributes to the range; false when there is none. */
  private nextSegment(): boolean {
    const l = this.layout;
    const starts = l.starts;
    const nseg = l.rawLength.length;
    for (; this.seg < nseg && starts[this.seg] < this.end;) {
      const j = this.seg++;
      const from = Math.max(this.start, starts[j]);
      const to = Math.min(this.end, starts[j + 1]);
      if (to <= from) continue;
      const src = this.views.segmentView(l, j, this.scratch);
      if (src.length !== l.rawLength[j])
        throw new AgcCorruptError(`corrupted archive: segment ${j} of contig ${l.name} decoded to ${src.length} symbols, expected ${l.rawLength[j]}`);
      this.src = src;
      this.srcPos = (j === 0 ? 0 : this.k) + (from - starts[j]);
      this.srcEnd = this.srcPos + (to - from);
      return true;
    }
    this.src = undefined;
    return false;
  }
}
