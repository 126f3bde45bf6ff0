// The read API that AgcArchive (native, local files) and RemoteAgcArchive (pure TypeScript, any
// byte source) share, so code written against it works with both.
import type { ArchiveParams, SampleLayout, SequenceQuery } from '../read/agc-archive.js';

export type { ArchiveParams, SampleLayout, SequenceQuery };

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
  /** Letters of [start, end) of a contig (0-based, half-open), or undefined when unknown. */
  getSequence(query: SequenceQuery): Promise<string | undefined>;
  getSequenceBytes(query: SequenceQuery): Promise<Uint8Array | undefined>;
  /** Segment placements of a sample's contigs (sync for AgcArchive, async for RemoteAgcArchive). */
  sampleLayout(sample: string): SampleLayout | undefined | Promise<SampleLayout | undefined>;
  close(): void;
}
