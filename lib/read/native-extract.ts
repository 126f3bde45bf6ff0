// Whole contigs as FASTA records, decoded by the addon on threads of the libuv pool (native
// Extractor over agc/contig_extract.h): the JS thread only describes the contigs (their segment
// placements and header lines, one typed array each per batch) and writes out the records. The
// references and packs are decoded once per extractor, whichever job needs them first.
import type { Archive as NativeArchive, Extractor } from '../../binding.js';
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

/** Contigs described for the addon (see binding.d.ts Extractor). */
export interface ExtractBatch {
  readonly contigs: readonly ContigLayout[];
  readonly segs: Uint32Array;
  readonly counts: Uint32Array;
  readonly headers: Uint8Array;
  readonly headerEnds: Uint32Array;
}

const SEG_WORDS = 6;
/** Default budget of decoded references and packs. */
const DEFAULT_CACHE = 512 << 20;

export class NativeExtractor {
  private readonly ex: Extractor;

  constructor(
    private readonly src: ExtractionSource,
    cacheBytes: number = DEFAULT_CACHE,
  ) {
    const p = src.params;
    try {
      this.ex = new native.Extractor(src.archive, p.kmerLength, p.minMatchLength, p.packCardinality, cacheBytes, LETTER_TABLES);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** The description of `contigs` for size() and extract(). */
  batch(contigs: readonly ContigLayout[]): ExtractBatch {
    let nseg = 0;
    for (const c of contigs) nseg += c.rawLength.length;
    const segs = new Uint32Array(nseg * SEG_WORDS);
    const counts = new Uint32Array(contigs.length);
    const heads = contigs.map((c) => this.src.headerLine(c));
    const headerEnds = new Uint32Array(contigs.length);
    let q = 0;
    let h = 0;
    for (let i = 0; i < contigs.length; i++) {
      const c = contigs[i];
      const n = c.rawLength.length;
      counts[i] = n;
      for (let j = 0; j < n; j++, q += SEG_WORDS) {
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
    return { contigs, segs, counts, headers, headerEnds };
  }

  /** Bytes of the records of a batch in lines of `lineLength`. */
  size(b: ExtractBatch, lineLength: number): number {
    try {
      return this.ex.size(b.segs, b.counts, b.headers, b.headerEnds, lineLength);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * Writes the records of a batch into dst from `offset` on a pool thread; resolves with the bytes
   * written. `dst` must not be used until then. Corrupt data rejects with an AgcCorruptError
   * naming the archive and the segment.
   */
  async extract(b: ExtractBatch, lineLength: number, dst: Uint8Array, offset = 0): Promise<number> {
    let p: Promise<number>;
    try {
      p = this.ex.extract(b.segs, b.counts, b.headers, b.headerEnds, lineLength, dst, offset);
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
