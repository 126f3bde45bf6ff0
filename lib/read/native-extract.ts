// Contigs as FASTA records (or pieces of them), decoded by the addon on threads of the libuv pool (native
// Extractor over agc/contig_extract.h): the JS thread only describes the contigs (their segment
// placements and header lines, one typed array each per batch) and writes out the records. The
// references and packs are decoded once per extractor, whichever job needs them first.
import type { Archive as NativeArchive, Extractor, WarmStart } from '../../binding.js';
import { native } from '../native/load.js';
import { fromNative } from '../native/native-error.js';
import { AgcCorruptError } from '../errors.js';
import type { ContigLayout } from '../format/contig-layout.js';
import { LETTER_TABLES } from './range-kernels.js';

/** What an extractor needs of an AgcArchive (AgcArchive.extractionSource). */
export interface ExtractionSource {
  archive: NativeArchive;
  path: string;
  params: { kmerLength: number; minMatchLength: number; packCardinality: number };
  /** Stream ids of group g's reference and packs (-1: none). */
  groupStreams(g: number): { ref: number; delta: number };
  /** '>' + stored header + '\n'. */
  headerLine(c: ContigLayout): Uint8Array;
}

/** A run of consecutive segments [seg0, seg1) of a contig, written as one piece of its record. */
export interface ContigPiece {
  readonly contig: ContigLayout;
  readonly seg0: number;
  readonly seg1: number;
}

/** Pieces described for the addon (see binding.d.ts Extractor). */
export interface ExtractBatch {
  readonly pieces: readonly ContigPiece[];
  readonly segs: Uint32Array;
  readonly items: Float64Array;
  readonly headers: Uint8Array;
  readonly headerEnds: Uint32Array;
}

/** Whether a piece ends its contig. */
export const endsContig = (p: ContigPiece): boolean => p.seg1 === p.contig.rawLength.length;

/**
 * A contig as pieces of about `maxSymbols` symbols or more (cut between segments), so that the
 * text of a long contig is written in bounded buffers; one piece when it is shorter.
 */
export function contigPieces(c: ContigLayout, maxSymbols: number): ContigPiece[] {
  const nseg = c.rawLength.length;
  if (c.length <= maxSymbols || nseg < 2) return [{ contig: c, seg0: 0, seg1: nseg }];
  const out: ContigPiece[] = [];
  let j0 = 0;
  for (let j = 1; j < nseg; j++)
    if (c.starts[j] - c.starts[j0] >= maxSymbols) {
      out.push({ contig: c, seg0: j0, seg1: j });
      j0 = j;
    }
  out.push({ contig: c, seg0: j0, seg1: nseg });
  return out;
}

const SEG_WORDS = 6;
const EMPTY = new Uint8Array(0);
/** Default budget of decoded references and packs. */
const DEFAULT_CACHE = 512 << 20;

export class NativeExtractor {
  private readonly ex: Extractor;

  /**
   * `concurrency`: at most this many jobs decode at once, in the order extract() was called; the
   * others wait on their pool thread (0: no limit). Jobs can then be queued ahead, and a pool
   * thread that finishes one starts the next without a round trip through the JS thread.
   * `packPrefixes`: packs are decoded only as far as the segments asked for need (worth it when
   * they are all of one sample, whose entries come before those of the samples added after it).
   * `warm`: parts decoded ahead (WarmStart), taken over when they are of this archive's file and
   * pack mode; the handle is closed either way.
   */
  constructor(
    private readonly src: ExtractionSource,
    cacheBytes: number = DEFAULT_CACHE,
    concurrency = 0,
    packPrefixes = false,
    warm?: WarmStart,
  ) {
    const p = src.params;
    try {
      this.ex = new native.Extractor(
        src.archive,
        p.kmerLength,
        p.minMatchLength,
        p.packCardinality,
        cacheBytes,
        LETTER_TABLES,
        concurrency,
        packPrefixes,
        warm,
      );
    } catch (e) {
      throw fromNative(e);
    } finally {
      warm?.close();
    }
  }

  /** The description of whole contigs, or pieces of them, for size() and extract(). */
  batch(parts: readonly (ContigLayout | ContigPiece)[]): ExtractBatch {
    const pieces = parts.map((p) => ('contig' in p ? p : { contig: p, seg0: 0, seg1: p.rawLength.length }));
    let nseg = 0;
    for (const p of pieces) nseg += p.seg1 - p.seg0;
    const segs = new Uint32Array(nseg * SEG_WORDS);
    const items = new Float64Array(pieces.length * 3);
    const heads = pieces.map((p) => (p.seg0 === 0 ? this.src.headerLine(p.contig) : EMPTY));
    const headerEnds = new Uint32Array(pieces.length);
    let q = 0;
    let h = 0;
    for (let i = 0; i < pieces.length; i++) {
      const { contig: c, seg0, seg1 } = pieces[i];
      items[3 * i] = seg1 - seg0;
      items[3 * i + 1] = c.starts[seg0];
      items[3 * i + 2] = (seg0 === 0 ? 1 : 0) | (seg1 === c.rawLength.length ? 2 : 0);
      for (let j = seg0; j < seg1; j++, q += SEG_WORDS) {
        const g = c.groupId[j];
        const s = this.src.groupStreams(g);
        segs[q] = g;
        segs[q + 1] = c.inGroupId[j];
        segs[q + 2] = c.rawLength[j];
        segs[q + 3] = c.revComp[j];
        segs[q + 4] = s.ref; // -1 becomes 0xFFFFFFFF: "none"
        segs[q + 5] = s.delta;
      }
      h += heads[i].length;
      headerEnds[i] = h;
    }
    const headers = new Uint8Array(h);
    for (let i = 0, at = 0; i < heads.length; at += heads[i].length, i++) headers.set(heads[i], at);
    return { pieces, segs, items, headers, headerEnds };
  }

  /** Bytes of the text of a batch in lines of `lineLength`. */
  size(b: ExtractBatch, lineLength: number): number {
    try {
      return this.ex.size(b.segs, b.items, b.headers, b.headerEnds, lineLength);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * Writes the text of a batch into dst from `offset` on a pool thread; resolves with the bytes
   * written. `dst` must not be used until then. Corrupt data rejects with an AgcCorruptError
   * naming the archive and the segment.
   */
  async extract(b: ExtractBatch, lineLength: number, dst: Uint8Array, offset = 0): Promise<number> {
    let p: Promise<number>;
    try {
      p = this.ex.extract(b.segs, b.items, b.headers, b.headerEnds, lineLength, dst, offset);
    } catch (e) {
      throw fromNative(e);
    }
    try {
      return await p;
    } catch (e) {
      const err = fromNative(e);
      throw err instanceof AgcCorruptError ? new AgcCorruptError(`${this.src.path}: corrupted archive: ${err.message}`, { cause: e }) : err;
    }
  }

  /** Bytes of decoded parts held. */
  get cachedBytes(): number {
    return this.ex.isOpen() ? this.ex.cachedBytes() : 0;
  }

  /** Stops the jobs still running (they reject with AGC_CLOSED) and releases the parts. */
  close(): void {
    this.ex.close();
  }
}
