// The read API that AgcArchive (native, local files) and RemoteAgcArchive (pure TypeScript, any
// byte source) share, so code written against it works with both. The types are declared here
// (structurally identical to AgcArchive's) so that the browser entry's typings need nothing
// from Node.
import type { ContigLayout } from '../format/contig-layout.js';
import type { ReadOptions, SequenceOptions } from './read-options.js';

export type { ContigLayout, ReadOptions, SequenceOptions };

/** Compression parameters stored in the archive (`params` stream). */
export interface ArchiveParams {
  kmerLength: number;
  minMatchLength: number;
  /** Pack cardinality (upstream "batch size", -b). */
  packCardinality: number;
  /** Expected segment size (-s); 0 for version-1 archives. */
  segmentSize: number;
}

/** A getSequence request. */
export interface SequenceQuery {
  /** Sample name; when omitted the contig name must be unique in the whole archive. */
  sample?: string;
  /** Contig name: the full stored name or its first word (the "short" name). */
  contig: string;
  /** 0-based first position (default 0). */
  start?: number;
  /** 0-based end, exclusive (default: contig end). Clipped to the contig length. */
  end?: number;
}

/** Decoded description of one sample: layouts of its contigs in stored order. */
export interface SampleLayout {
  readonly name: string;
  readonly contigs: readonly ContigLayout[];
}

export interface AgcReader {
  /** What was opened: a path, a URL or a description of the byte source. */
  readonly path: string;
  /** file_version_major * 1000 + file_version_minor. */
  readonly version: number;
  readonly params: ArchiveParams;
  readonly fileTypeInfo: ReadonlyMap<string, string>;
  /** Sample names in archive order; the first is the reference. */
  samples(): Promise<string[]>;
  referenceSample(): Promise<string | undefined>;
  /** Full contig names of a sample, or undefined for an unknown sample. */
  contigs(sample: string): Promise<string[] | undefined>;
  contigLength(sample: string | undefined, contig: string): Promise<number | undefined>;
  /**
   * Letters of [start, end) of a contig (0-based, half-open, end clipped to the contig), or
   * undefined when the sample or contig is unknown. Object form: without `sample` the contig name
   * must be unique in the whole archive (else AgcAmbiguousNameError).
   */
  getSequence(query: SequenceQuery, options?: ReadOptions): Promise<string | undefined>;
  /**
   * GMOD style (@gmod/indexedfasta, @gmod/twobit): `name` is a contig of one sample, the
   * reference unless `options.sample` names another; the full stored name or its first word.
   * `start` defaults to 0, `end` to the contig end.
   */
  getSequence(name: string, start?: number, end?: number, options?: SequenceOptions): Promise<string | undefined>;
  getSequenceBytes(query: SequenceQuery, options?: ReadOptions): Promise<Uint8Array | undefined>;
  getSequenceBytes(name: string, start?: number, end?: number, options?: SequenceOptions): Promise<Uint8Array | undefined>;
  /** Full contig names of the reference sample (or of `options.sample`), stored order; undefined for an unknown sample. */
  getSequenceNames(options?: SequenceOptions): Promise<string[] | undefined>;
  /**
   * Contig lengths of the reference sample (or of `options.sample`) keyed by full stored name (an
   * object without prototype); undefined for an unknown sample.
   */
  getSequenceSizes(options?: SequenceOptions): Promise<Record<string, number> | undefined>;
  /** Length of a contig of the reference (or of `options.sample`), by full or short name; undefined when unknown. */
  getSequenceSize(name: string, options?: SequenceOptions): Promise<number | undefined>;
  /** Whether the reference (or `options.sample`) has a contig of that full or short name. */
  hasReferenceSequence(name: string, options?: SequenceOptions): Promise<boolean>;
  /** Segment placements of a sample's contigs (sync for AgcArchive, async for RemoteAgcArchive). */
  sampleLayout(sample: string): SampleLayout | undefined | Promise<SampleLayout | undefined>;
  close(): void;
}
