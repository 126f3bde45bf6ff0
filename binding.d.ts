// Types of the raw native binding (build/Release/agc_node.node, or prebuilds/<platform>-<arch>/).
// This is the contract between native/ and lib/. The friendly API lives in lib/; nothing outside
// lib/native/load.ts should touch these classes directly.
//
// Conventions:
// - Every object is an ObjectWrap with a type tag; passing the wrong kind of object throws TypeError.
// - Every method on a closed object throws Error("... is closed"); close() twice is a no-op.
// - Wrong argument types throw TypeError; failures inside the C++ core throw Error whose message
//   names the file when one is involved.
// - Part metadata is a u64 in the format; here it is a number and must stay below 2^53
//   (a larger stored value throws on read).

/** The AGC container (upstream CArchive): streams of parts, footer index at the end. */
export declare class Archive {
  /**
   * mode 'r': open an existing archive and read its footer (throws on a missing, empty, truncated
   * or non-AGC file). mode 'w': create/truncate `path` for writing; parts are written as they come.
   */
  constructor(path: string, mode: 'r' | 'w');
  /** 'w': flush buffered parts, write footer + trailer, close the file. 'r': close the file. */
  close(): void;
  isOpen(): boolean;
  /** The path given to the constructor. */
  path(): string;

  // ---- shared ----
  getNumStreams(): number;
  /** Stream id for a name, or -1 when absent (later duplicates win, as upstream). */
  getStreamId(name: string): number;
  getStreamName(streamId: number): string;
  /** All stream names in id (footer) order. */
  getStreamNames(): string[];
  getNumParts(streamId: number): number;

  // ---- write mode ----
  /** Id of `name`, registering it (id = count so far) when new. */
  registerStream(name: string): number;
  /** Direct write of AV(metadata) + data at the end of the file; returns the part index. */
  addPart(streamId: number, data: Uint8Array, metadata: number): number;
  /** Queue a part; it is written by the next flushOutBuffers()/close() in ascending stream id order. */
  addPartBuffered(streamId: number, data: Uint8Array, metadata: number): void;
  flushOutBuffers(): void;
  /** Bytes written to the file so far (parts only). */
  getPosition(): number;

  // ---- read mode ----
  /** Data and metadata of part `partId` of a stream (metadata 0 and empty data when the size is 0). */
  getPart(streamId: number, partId: number): { data: Uint8Array; metadata: number };
  /**
   * Read the part's data into dst[0, size) (size: getPartSize; a shorter dst is an error, nothing
   * read); returns its metadata. Lets a reader reuse one buffer for compressed parts.
   */
  readPartInto(streamId: number, partId: number, dst: Uint8Array): number;
  /** Size of the part's data without reading it. */
  getPartSize(streamId: number, partId: number): number;
  /** File offset of the part (of its metadata varint), as stored in the footer. */
  getPartOffset(streamId: number, partId: number): number;
  /**
   * The whole part table (read mode): the part count of each stream (getNumStreams() numbers),
   * then for each stream and each of its parts its offset and data size.
   */
  getPartTable(): Float64Array;
  /** Total file size in bytes. */
  getFileSize(): number;
}

/** Flattened contig descriptions of one sample (all typed arrays indexed by segment, in contig order). */
export interface SampleDesc {
  /** Full contig names, in registration order (binary strings: one char per byte). */
  contigNames: string[];
  /** Number of segments of each contig (length = contigNames.length). */
  segmentCounts: Uint32Array;
  groupId: Uint32Array;
  inGroupId: Uint32Array;
  rawLength: Uint32Array;
  /** 1 when the stored segment is the reverse complement of the contig piece. */
  revComp: Uint8Array;
}

/**
 * One batch of segment placements: entry i places a segment at index place[i] of contig
 * contigNames[contigIndex[i]] of sample sampleNames[sampleIndex[i]] (an empty sample name means
 * "use the short contig name", as in -c mode).
 */
export interface PlacementBatch {
  sampleNames: string[];
  contigNames: string[];
  sampleIndex: Uint32Array;
  contigIndex: Uint32Array;
  place: Uint32Array;
  groupId: Uint32Array;
  inGroupId: Uint32Array;
  rawLength: Uint32Array;
  revComp: Uint8Array;
}

export interface CollectionParams {
  /** pack cardinality P = samples per collection batch */
  batchSize: number;
  /** segment size S (prediction for raw lengths is S + k) */
  segmentSize: number;
  kmerLength: number;
}

/** Collection version 3 (upstream CCollection_V3): samples, contigs and segment placements. */
export declare class Collection {
  constructor();
  close(): void;
  isOpen(): boolean;

  // ---- reading ----
  /**
   * Attach to an archive open for reading: loads collection-samples now; contig names and details
   * are loaded per batch on demand.
   */
  openForReading(archive: Archive, params: CollectionParams): void;
  getNumSamples(): number;
  /** Sample names in registration order (index = sample id). */
  getSamples(): string[];
  /** Full contig names of a sample, or undefined for an unknown sample. */
  getContigNames(sample: string): string[] | undefined;
  /** All placements of a sample, or undefined for an unknown sample. */
  getSampleDesc(sample: string): SampleDesc | undefined;

  // ---- writing (create) ----
  /** Registers collection-samples, collection-contigs, collection-details (ids 0, 1, 2) in `archive`. */
  prepareForCompression(archive: Archive, params: CollectionParams): void;
  resetPrevSampleName(): void;
  /** Upstream register_sample_contig: false when the contig is rejected (sample already exists). */
  registerSampleContig(sample: string, contig: string): boolean;
  /** Place a whole batch of segments (one call, not one per segment). */
  addSegmentsPlaced(batch: PlacementBatch): void;
  /** Serialize samples [from, to) into one buffered collection-contigs and collection-details part. */
  storeContigBatch(from: number, to: number): void;
  /** Buffer the collection-samples part (all samples). */
  completeSerialization(): void;

  // ---- appending ----
  /**
   * Prepare to append: `input` is the archive open for reading, `output` a fresh archive open for
   * writing. Registers the three collection streams in `output`, copies every complete batch's
   * contigs/details parts directly (interleaved, in batch order) and reloads the last batch when
   * it is not full, so new samples continue it. Sample names of `input` are loaded.
   */
  prepareForAppend(input: Archive, output: Archive, params: CollectionParams): void;
}

/** One zstd frame at `level` (ZSTD_compressCCtx with default parameters), zstd 1.5.6. */
export declare function zstdCompress(data: Uint8Array, level: number): Uint8Array;
/** Decompress one frame whose content size is `rawSize`; trailing bytes after the frame are an error. */
export declare function zstdDecompress(data: Uint8Array, rawSize: number): Uint8Array;
/** zstd version string of the linked library, e.g. "1.5.6". */
export declare function zstdVersion(): string;

// ---- random-access decoding (docs/format.md 5.3-5.5), into caller-owned arrays ----
/** Decompress one frame into all of `dst`, whose length must be the frame's content size; returns it. */
export declare function zstdDecompressInto(data: Uint8Array, dst: Uint8Array): number;
/**
 * The prefetch open's background work: decompresses the parts listed in `jobs` (file offset of
 * the metadata varint, data size, kind: 1 for a pack of LZ-diff entries, kept in compact form
 * (marker 2; see lzDiffCompact) with its checkpoint table, 0 otherwise) of the file at `path` into `space`, with the entry ends of packs and their LZ-diff checkpoints (every checkpointStep
 * symbols). words: [0] stop, [1] image state, then per job state, offset, length, marker byte,
 * offset and count of the entry ends, offset of the checkpoint table (or -1); meta: per job metadata. Job states: 0 pending, 1 decoding, 2 done, 3 taken by the caller,
 * 4 failed or not done. Then reads the whole file into `image` (state 2 in words[1] once it is
 * whole, 4 when it could not be). Resolves with the number of parts decoded in the background.
 */
/**
 * Asks the kernel for huge pages under the whole 2 MiB pages of `bytes` (a hint, for memory read
 * at random); returns whether the hint was given (false where there is no such hint).
 */
export declare function adviseHugePages(bytes: Uint8Array): boolean;
/**
 * Queues, on a thread of the libuv pool, the faulting-in of the whole pages of bytes[from, to) as
 * writable without changing any byte (the caller may write them meanwhile), and returns true;
 * done[0] becomes 1 when every page is in, 2 when the job stopped early. Returns false (nothing
 * queued) where the system cannot do it.
 */
export declare function populateMemory(bytes: Uint8Array, from: number, to: number, done: Int32Array): boolean;
export declare function prefetchArchive(
  path: string,
  fileSize: number,
  jobs: Float64Array,
  space: Uint8Array,
  words: Int32Array,
  meta: Float64Array,
  minMatchLen: number,
  checkpointStep: number,
): Promise<number>;
/**
 * Whole random-access range queries over the parts a prefetchArchive job decoded (its space,
 * words and meta; jobOf[slot + part] the job of a stream's part, -1 for none; groups: per group
 * the first slot and part count of its reference stream, then of its delta stream, slot -1 when
 * the stream is missing). tables: 256 code -> letter, 256 letter -> complement. A part still
 * pending is claimed and decoded into the space by the read that needs it (path, fileSize, jobs
 * and checkpointStep as prefetchArchive takes them).
 */
export declare class RangeIndex {
  constructor(
    space: Uint8Array,
    words: Int32Array,
    meta: Float64Array,
    jobOf: Int32Array,
    groups: Int32Array,
    tables: Uint8Array,
    packCardinality: number,
    minMatchLen: number,
    kmerLength: number,
    path: string,
    fileSize: number,
    jobs: Float64Array,
    checkpointStep: number,
    /** Parts decoded ahead on a pool thread per part a query decodes itself (0: none). */
    aheadPerPart: number,
    /**
     * With aheadPerPart 0: the first query that decodes a part asks the kernel to read the whole
     * file ahead (when it fits the space), as the pool job does otherwise. Default false.
     */
    readAhead?: boolean,
  );
  /** No more decoding of parts from the file (reads answer from what is decoded). */
  close(): void;
  /** [parts the queries decoded themselves, parts decoded ahead of them on the pool] (for tests). */
  decoded(): [number, number];
  /**
   * Letters of contig positions [from, to) of a layout (its segments' arrays and starts) into
   * dst[dstOffset, dstOffset + to - from); false (dst partly written) when a part it needs is not
   * decoded in the space or anything in the data is inconsistent: the caller decodes it otherwise.
   */
  read(
    groupId: Uint32Array,
    inGroupId: Uint32Array,
    rawLength: Uint32Array,
    revComp: Uint8Array,
    starts: Float64Array,
    from: number,
    to: number,
    dst: Uint8Array,
    dstOffset: number,
  ): boolean;
}
/**
 * Letters of symbols [from, from + count) of a packed reference (form 0: one code per byte,
 * 1: tuple-packed with its marker), reverse-complemented (the range counted on the reverse
 * complement) when `rc`, into dst[dstOffset...]. tables: 256 code -> letter, 256 letter -> complement.
 */
export declare function refRangeLetters(
  ref: Uint8Array,
  form: number,
  from: number,
  count: number,
  dst: Uint8Array,
  dstOffset: number,
  rc: boolean,
  tables: Uint8Array,
): void;
/**
 * Letters of symbols [from, to) of an LZ-diff entry of an n-symbol segment decoded against a
 * packed reference (oriented: the range of the reverse complement when `rc`) into dst[dstOffset...].
 * `checkpoints` (count, step, then token index, symbol, reference prediction per checkpoint; zeros
 * to start) lets it skip parsed tokens and is extended while it parses.
 */
export declare function lzDecodeRange(
  ref: Uint8Array,
  form: number,
  enc: Uint8Array,
  minMatchLen: number,
  n: number,
  from: number,
  to: number,
  dst: Uint8Array,
  dstOffset: number,
  rc: boolean,
  tables: Uint8Array,
  checkpoints?: Uint32Array,
): void;
/** As lzDecodeRange, for an entry in compact form (lzDiffCompact). */
export declare const lzCompactDecodeRange: typeof lzDecodeRange;
/**
 * The compact form of an LZ-diff entry that the prefetch open keeps (the same tokens with binary
 * fields; never longer than the text) and its checkpoints every checkpointStep symbols (count,
 * step, then triples as lzDecodeRange's); undefined for a malformed entry.
 */
export declare function lzDiffCompact(enc: Uint8Array, minMatchLen: number, checkpointStep: number): [Uint8Array, Uint32Array] | undefined;
/**
 * The LZ-diff entries of a decompressed pack (entries each ended by 0xFF) in compact form (see
 * lzDiffCompact) into dst (at least text.length bytes), each followed by one separator byte;
 * returns the separators' positions, or undefined for a malformed entry.
 */
export declare function compactPack(text: Uint8Array, dst: Uint8Array, minMatchLen: number): Uint32Array | undefined;

// ---- bulk extraction (native/extract.cc over agc/contig_extract.h) ----
/**
 * Contigs decoded to FASTA text on threads of the libuv pool. One extractor shares its decoded
 * references and packs (at most cacheBytes of them, least recently used dropped) between all its
 * jobs. A batch is a list of pieces, each a run of consecutive segments of one contig: segs holds
 * 6 words per segment (group, in-group id, raw length, rc, reference stream, delta stream; a
 * missing stream is 0xFFFFFFFF); items 3 numbers per piece (its segment count, the contig position
 * of its first contributed symbol, flags: 1 first piece of its contig, 2 last); headers the header
 * lines ('>' name '\n', empty for pieces that are not first) one after another and headerEnds
 * where each ends. tables: 256 code -> letter, 256 letter -> complement.
 */
export declare class Extractor {
  /**
   * `concurrency` (default 0: no limit): at most this many extract() jobs decode at once, in the
   * order they were made; the others wait on their pool thread. `packPrefixes` (default false):
   * a pack is decoded only up to the entry a segment needs (for the segments of one sample).
   * `warm`: a WarmStart whose parts this extractor takes over when it read the same file with
   * the same pack mode (it is closed either way).
   */
  constructor(
    archive: Archive,
    k: number,
    minMatchLen: number,
    packCardinality: number,
    cacheBytes: number,
    tables: Uint8Array,
    concurrency?: number,
    packPrefixes?: boolean,
    warm?: WarmStart,
  );
  /** Bytes of the text of a batch. */
  size(segs: Uint32Array, items: Float64Array, headers: Uint8Array, headerEnds: Uint32Array, lineLength: number): number;
  /**
   * Writes the text of a batch into dst[dstOffset, dstOffset + size) on a pool thread; resolves
   * with the bytes written. Corrupt data rejects with AGC_CORRUPT (naming group and segment), a
   * close() meanwhile with AGC_CLOSED. dst must not be touched until it settles.
   */
  extract(
    segs: Uint32Array,
    items: Float64Array,
    headers: Uint8Array,
    headerEnds: Uint32Array,
    lineLength: number,
    dst: Uint8Array,
    dstOffset: number,
  ): Promise<number>;
  /** Bytes of decoded parts held. */
  cachedBytes(): number;
  close(): void;
  isOpen(): boolean;
}

/**
 * The references and packs of one sample, decoded in the order its segments need them on a pool
 * thread, up to a few MiB, for an Extractor to take over (the command line starts one for `getset
 * <archive> <sample>` before its own code loads). Never reports an error: a missing file or
 * sample, or a corrupt archive, leaves it with nothing decoded. `sample`: the name's bytes.
 */
export declare class WarmStart {
  /**
   * `fastaSymbols` > 0: instead, when the sample has at most that many symbols, its whole FASTA
   * text in lines of 80 (as `getset` writes it) is made for `fasta`.
   */
  constructor(path: string, sample: Uint8Array, fastaSymbols?: number);
  /**
   * Settles when the decoding ends: the whole FASTA text when asked for and made, else undefined
   * (never rejects).
   */
  readonly fasta: Promise<Buffer | undefined>;
  /** Bytes of the parts decoded so far (0 once closed or taken). */
  cachedBytes(): number;
  /** Stops the decoding and drops its parts (when no Extractor took them). Idempotent. */
  close(): void;
  isOpen(): boolean;
}

// ---- LZ-diff encoder scans (docs/format.md 5.6, 7.5) ----
// `padded` is a group reference followed by minMatchLen - 3 bytes of 31; `index` comes from
// lzIndex(padded, minMatchLen). Both stay owned by the caller and may live in shared memory.
/** The hash index of a padded reference. */
export declare function lzIndex(padded: Uint8Array, minMatchLen: number): Int32Array;
/** Slots of the index lzIndex would build for `padded`. */
export declare function lzIndexSize(padded: Uint8Array, minMatchLen: number): number;
/** Fill indexes[i] (lzIndexSize(paddeds[i]) slots) for paddeds[i], on up to `threads` (1..64) threads. */
export declare function lzFillIndexes(paddeds: Uint8Array[], minMatchLen: number, indexes: Int32Array[], threads: number): void;
/** Estimated delta size of `text` (0 if it equals the reference); stops early above `bound`. */
export declare function lzEstimate(padded: Uint8Array, index: Int32Array, minMatchLen: number, text: Uint8Array, bound: number): number;
/** The delta bytes of `text` (empty if it equals the reference). */
export declare function lzEncode(padded: Uint8Array, index: Int32Array, minMatchLen: number, text: Uint8Array): Uint8Array;
/** Per-symbol coding costs of `text` (match and N-run costs on their first symbol when `prefix`). */
export declare function lzCosts(padded: Uint8Array, index: Int32Array, minMatchLen: number, text: Uint8Array, prefix: boolean): Uint32Array;
/** As above, into out[0, text.length) (out must not overlap an input); returns undefined. */
export declare function lzCosts(padded: Uint8Array, index: Int32Array, minMatchLen: number, text: Uint8Array, prefix: boolean, out: Uint32Array): undefined;

// ---- per-base scans of the compressor ----
/**
 * Convert chunk[start..end) of a FASTA body into `out` through `table` (256 entries): bytes < 64
 * dropped, `invalidCode` dropped, other codes > 15 replaced by `replacement` (>= 0) or kept.
 * `state` = [written, lines, badIndex, badByte, letterPos, letterByte] is read and updated: the
 * first invalid byte's chunk index and the first non-IUPAC letter's 1-based position (when
 * `replacement` is -1) are recorded only while they are -1.
 */
export declare function fastaConvertBody(
  chunk: Uint8Array,
  start: number,
  end: number,
  table: Uint8Array,
  invalidCode: number,
  replacement: number,
  out: Uint8Array,
  state: Float64Array,
): void;
/**
 * End positions of windows of k ACGT symbols whose last 16 symbols pass the splitter filter
 * `bits` (2^filterBits bits). Writes up to out.length positions; returns the total count.
 */
/** Reverse complement of codes into `dst` (3 - c for ACGT, others unchanged); returns `dst`. Must not overlap. */
export declare function reverseComplementCodes(src: Uint8Array, dst: Uint8Array): Uint8Array;
/** Largest fraction of equal symbols at lags 4..31 among ACGT positions (stops at the first >= 0.5). */
export declare function bestLagMatchFraction(ref: Uint8Array): number;
export declare function splitterCandidates(seq: Uint8Array, k: number, bits: Uint8Array, filterBits: number, out: Uint32Array): number;

// ---- reference k-mers (k 17..32; contigs as codes 0..3, other codes end a window) ----
/**
 * Canonical k-mers of every full window, sorted: those seen once, and (keepDuplicates) those seen
 * more often. `threads` (1..64, default 1) share a large input; the result is the same for any number.
 */
export declare function kmerCounts(
  contigs: Uint8Array[],
  k: number,
  keepDuplicates: boolean,
  threads?: number,
): { singletonsHi: Uint32Array; singletonsLo: Uint32Array; duplicatesHi: Uint32Array; duplicatesLo: Uint32Array; windows: number };
/** Sorted singletons of `contigs` that none of the sorted `exclude` lists holds. */
export declare function kmerSingletonsExcept(
  contigs: Uint8Array[],
  k: number,
  exclude: Array<{ hi: Uint32Array; lo: Uint32Array }>,
): { hi: Uint32Array; lo: Uint32Array };
/**
 * Per contig, in order: its singletons (sorted) that no full window of `reference` holds. The
 * reference is scanned once, its k-mers are never stored.
 */
export declare function kmerNewSingletons(
  contigs: Uint8Array[],
  k: number,
  reference: Uint8Array[],
  threads?: number,
): Array<{ hi: Uint32Array; lo: Uint32Array }>;
/**
 * Adaptive mining of `contigs` (in order): each one's kmerNewSingletons become the candidates of
 * its splitter walk (segment size S). Returns the splitters in emission order and the fallback
 * records (7 words each: prev, splitter, value as hi/lo halves, direct 0/1) for the threshold
 * (0 = none). `threads` (1..64) share the work; the result is the same for any number.
 */
export declare function kmerMineSplitters(
  contigs: Uint8Array[],
  k: number,
  reference: Uint8Array[],
  segmentSize: number,
  thresholdHi: number,
  thresholdLo: number,
  threads: number,
): { hi: Uint32Array; lo: Uint32Array; fallback: Uint32Array };
/**
 * Splitters of a reference (singleton candidates, walk with segment size S), in emission order.
 * `threads` (1..64, default 1) share the count and the walks; the result is the same for any number.
 */
export declare function referenceSplitters(contigs: Uint8Array[], k: number, segmentSize: number, threads?: number): { hi: Uint32Array; lo: Uint32Array };
/**
 * Full windows of `seq` whose canonical k-mer passes the fallback filter (threshold as two uint32
 * halves), in order, as (hi, lo, direct 0/1) triples.
 */
export declare function fallbackKmers(seq: Uint8Array, k: number, thresholdHi: number, thresholdLo: number): Uint32Array;
/** Indices i whose value (hi[i], lo[i]) passes the fallback filter, ascending. */
export declare function fallbackFilterIndices(hi: Uint32Array, lo: Uint32Array, thresholdHi: number, thresholdLo: number): Uint32Array;

// ---- memory ----
/**
 * Give the free pages of every malloc arena back to the system (glibc malloc_trim(0), all threads'
 * arenas). Returns false where the allocator has no such call (then it does nothing).
 */
export declare function trimAllocator(): boolean;

// ---- interrupt cleanup (CLI only; POSIX) ----
/**
 * Install SIGINT/SIGTERM/SIGHUP handlers that act at once, even while JavaScript is busy: remove
 * the registered temporary files and folders, print one line, exit with 128 + signal number.
 * Returns false where unsupported (Windows).
 */
export declare function installInterruptCleanup(): boolean;
/** Register a temporary file (or, with isFolder, an empty-by-then folder); returns a slot id or -1. */
export declare function registerInterruptCleanup(path: string, isFolder?: boolean): number;
/** Forget a slot (the file was committed or removed). */
export declare function unregisterInterruptCleanup(slot: number): void;
