// Read access to AGC archives: AgcArchive, in the style of the GMOD sequence readers
// (@gmod/indexedfasta, @gmod/twobit). Everything is decoded in TypeScript on top of the native
// container (CppArchive) and collection (CppCollection); zstd runs in the addon.
//
// Coordinates in this API are 0-based and half-open ([start, end)), as in the GMOD readers.
// Upstream's CLI (`agc getctg ctg:from-to`) uses 0-based *inclusive* ranges; the agc-node CLI
// keeps upstream's syntax and converts.
//
// Caches: decoded group references and decompressed packs live in byte-bounded
// LRU caches (options.cacheBytes), decoded sample descriptions in another (metadataCacheBytes);
// segments are never cached: a range decodes only the symbols it needs (lzDiffDecodeRange).
// All work is synchronous under the hood and never yields half-way, so concurrent calls on one
// AgcArchive are safe.
import { type ArchivePart, CppArchive } from '../native/cpp-archive.js';
import { ArchiveImage } from './archive-image.js';
import { CppCollection } from '../native/cpp-collection.js';
import { zstdDecompress } from '../native/zstd.js';
import { AgcCorruptError, AgcError, AgcErrorCode, AgcInputError } from '../errors.js';
import { NameTable } from '../format/names.js';
import { ByteLru } from './byte-lru.js';
import { CODE_TO_COMPLEMENT_LETTER, CODE_TO_LETTER } from '../format/letters.js';
import { lzDiffDecodeInto } from '../format/lz-diff-decode.js';
import { NO_RAW_GROUPS, Pack, decodeReferencePart, groupStreamBase, groupStreamNames, rawEntryInto } from '../format/segment-decode.js';
import type { RangeIndex } from '../../binding.js';
import { type ContigLayout, type SegmentRangeWriter, type SegmentWriter, makeLayout, writeContigRange, writeWholeContig } from '../format/contig-layout.js';
import { StreamingRecordFormatter, headerLine, wrapInPlace, wrappedSize } from '../fasta/format-fasta.js';
import type { ExtractionSource } from './native-extract.js';
import { BackgroundDecode, COMPACT_PACK } from './background-decode.js';
import { PartRing } from './part-ring.js';
import {
  CHECKPOINT_STEP,
  type PackedReference,
  type RangeKernels,
  RefForm,
  compactPack,
  compressedPackSize,
  decompressWith,
  decompressedReference,
  nativeRangeKernels,
  newCheckpoints,
  packedReference,
} from './range-kernels.js';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
// Types only: the pure-TypeScript reader is imported when first needed, so opening local paths
// (and the CLI's start-up) loads nothing more than before.
import type { RemoteAgcArchive, RemoteArchiveOptions } from '../web/remote-archive.js';
import type { ArchiveSource } from '../io/open-source.js';
import type { ByteSource } from '../io/byte-source.js';
import type { AgcReader } from '../web/reader-api.js';
import {
  type ResolvedContig,
  type ShortNameIndex,
  checkLookupNames,
  contigInSample,
  indexShortNames,
  shortNameHits,
  soleSample,
} from '../web/contig-lookup.js';
import { shortName } from '../web/names.js';
import {
  DECODE_SLICE,
  Pacer,
  type ReadOptions,
  type SequenceCall,
  type SequenceOptions,
  checkSignal,
  sequenceCall,
  checkInt,
  contigSizes,
  gmodCallSample,
  queryRange,
  throwIfAborted,
} from '../web/read-options.js';

export type { ReadOptions, SequenceOptions };

/** Compression parameters stored in the archive (`params` stream). */
export interface ArchiveParams {
  kmerLength: number;
  minMatchLength: number;
  /** Pack cardinality (upstream "batch size", -b). */
  packCardinality: number;
  /** Expected segment size (-s); 0 for version-1 archives. */
  segmentSize: number;
}

export interface AgcArchiveOptions {
  /**
   * Budget in bytes for decoded references (40 %) and packs (60 %); default 256 MiB. Random
   * ranges decode their parts once into a space of up to this size as well (filled as queries
   * need parts, by a pool thread ahead of them - at most two more parts for each part a query
   * decoded - or by the prefetch thread); parts beyond it go through the caches, so a long run
   * of queries over a large archive can hold up to twice this budget.
   */
  cacheBytes?: number;
  /** Budget in bytes for decoded sample descriptions (default 64 MiB). */
  metadataCacheBytes?: number;
  /**
   * For many queries on an archive that fits in RAM, when the file is at most this many bytes
   * (`true`: 1 GiB): every reference and pack is decompressed ahead of the queries on a
   * background thread, and bulk reading (streamSample, streamCollection) reads the whole file
   * into memory however large it is below this size. Default: off.
   */
  prefetch?: boolean | number;
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

export interface FastaStreamOptions {
  /** Symbols per line (default 80, as upstream's -l). */
  lineLength?: number;
  /** Symbols decoded per chunk; bounds memory for very long contigs (default 4 Mi). */
  chunkSymbols?: number;
  /** Stops the stream with AgcAbortError. */
  signal?: AbortSignal;
}

export type { ResolvedContig };

/** Decoded description of one sample: layouts of its contigs in stored order. */
export interface SampleLayout {
  readonly name: string;
  readonly contigs: readonly ContigLayout[];
}

const DEFAULT_CACHE = 256 << 20;
/**
 * Parts a pool thread decodes ahead of the default open's queries for each part a query decodes
 * itself, on the second core: 10,000 random ranges on 8 x 60 Mbp then decode about 1,000 parts on
 * the query thread instead of 2,100 (its CPU 0.76x, total CPU 1.1x; ranges per second 1.1-1.2x
 * on a busy 2-core machine, more where the second core is idle). Two: one left that thread idle
 * part of the time, more took no more parts off the queries; and what is decoded stays within
 * three times what queries asked for.
 */
const DECODE_AHEAD = 2;

/**
 * Parts decoded ahead by default for a process that may run on `cores` CPUs: DECODE_AHEAD, or none
 * on one CPU, where the pool job only takes turns with the queries and the parts it decodes that
 * no query needs are pure cost (8 x 60 Mbp, 10,000 random ranges pinned to one core: 1.06x the
 * ranges per second and 0.96x the CPU without it).
 */
export function defaultDecodeAhead(cores: number): number {
  return cores > 1 ? DECODE_AHEAD : 0;
}

/** Options for tests and the CLI's bulk reads; not part of the public types (lib/index.ts). */
export interface InternalOptions extends AgcArchiveOptions {
  /** Decoding kernels of the random access (default: the native ones). */
  rangeKernels?: RangeKernels;
  /** false: ranges go through the JS path only (tests compare the two; the CLI's bulk reads decode no ranges). */
  nativeRanges?: boolean;
  /** false: a prefetch open starts no background thread (its parts are decoded by the queries; for tests). */
  backgroundThread?: boolean;
  /** Parts decoded ahead on the pool per part a query of the default open decodes (default: defaultDecodeAhead). */
  decodeAhead?: number;
}
const DEFAULT_META_CACHE = 64 << 20;

const GROUP_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_#';

/**
 * Each group's reference and delta stream ids (at 2g and 2g + 1; -1 for none) from the stream
 * names ("x" + base-64 digits, least significant first, then 'r' or 'd'); a later duplicate name
 * wins, as in the container's own lookup. Groups missing here take the JS path.
 */
function groupStreamIds(names: readonly string[]): Int32Array {
  const parsed: number[] = [];
  let groups = 0;
  for (let sid = 0; sid < names.length; sid++) {
    const name = names[sid];
    const last = name.charCodeAt(name.length - 1);
    // up to 5 digits keep g below 2^30
    if (name.length < 3 || name.length > 7 || name.charCodeAt(0) !== 0x78 || (last !== 0x72 && last !== 0x64)) continue;
    let g = 0;
    for (let i = name.length - 2; i >= 1 && g >= 0; i--) {
      const d = GROUP_DIGITS.indexOf(name[i]);
      g = d < 0 ? -1 : g * 64 + d;
    }
    // only the name group g's streams have (no leading zero digits); group ids are dense, so a
    // far larger one (a corrupt name) is left to the JS path rather than sizing the table
    if (g < 0 || g > 2 * names.length + 64 || groupStreamBase(g) !== name.slice(0, -1)) continue;
    parsed.push(sid, g);
    groups = Math.max(groups, g + 1);
  }
  const ids = new Int32Array(2 * groups).fill(-1);
  for (let i = 0; i < parsed.length; i += 2) {
    const name = names[parsed[i]];
    ids[2 * parsed[i + 1] + (name.endsWith('r') ? 0 : 1)] = parsed[i];
  }
  return ids;
}

/** First word of a contig name: up to the first space, tab, CR or LF (upstream extract_contig_name). */
export const shortContigName: (name: string) => string = shortName;

function readCstrPairs(data: Uint8Array, count: number, what: string): Map<string, string> {
  const m = new Map<string, string>();
  let p = 0;
  // The strings are ASCII in every archive agc writes: read by hand, since the first uses of
  // Buffer's indexOf and toString cost each command ~0.3 ms on its critical path. Other bytes
  // are decoded as UTF-8 by Buffer, with its replacement of bad bytes (a TextDecoder's first
  // use cost every command ~4 ms of start-up).
  const next = (): string => {
    let z = p;
    let ascii = true;
    while (z < data.length && data[z] !== 0) {
      if (data[z] >= 0x80) ascii = false;
      z++;
    }
    if (z >= data.length) throw new AgcCorruptError(`${what}: truncated file_type_info`);
    let s = '';
    if (ascii) for (let i = p; i < z; i++) s += String.fromCharCode(data[i]);
    else s = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8', p, z);
    p = z + 1;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const k = next();
    const v = next();
    m.set(k, v);
  }
  return m;
}

/**
 * A buffer of `n` bytes for decoded sequence. Past the largest typed array (4 GiB on 64-bit
 * Node) or when memory runs out, an AgcError says what could not be held and how to avoid it,
 * instead of a bare RangeError.
 */
export function allocChecked<T extends Uint8Array = Uint8Array>(n: number, what: () => string, make: (n: number) => T = (k) => new Uint8Array(k) as T): T {
  try {
    return make(n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new AgcError(
      AgcErrorCode.INPUT,
      `${what()} needs ${n.toLocaleString('en-US')} bytes, more than one buffer can hold here; read it in ranges or in streaming mode (getset/getctg -s, streamSample)`,
      { cause: e },
    );
  }
}

/** A Uint8Array of n bytes that the caller overwrites entirely (allocated without zero fill). */
const unfilled = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
/**
 * Results up to SLAB_RESULT bytes are cut from shared slabs of SLAB_BYTES (as Buffer.allocUnsafe
 * pools small buffers): a fresh ArrayBuffer per 4 kb range cost more than decoding it. Each result
 * is its own region of the slab; a result kept alive keeps its slab.
 */
const SLAB_BYTES = 64 << 10;
const SLAB_RESULT = 8 << 10;

/** An AGC archive opened for reading. Close it (or use `using`) to release the file. */
export class AgcArchive implements Disposable, AsyncDisposable, AgcReader {
  /** Path given to open(). */
  readonly path: string;
  /** file_version_major * 1000 + file_version_minor (3000 for agc 3.x archives). */
  readonly version: number;
  readonly params: ArchiveParams;
  /** The file_type_info key/value pairs, sorted by key (producer, versions, comment). */
  readonly fileTypeInfo: ReadonlyMap<string, string>;

  private readonly archive: CppArchive;
  private readonly collection: CppCollection;
  private readonly sampleNames: string[];
  /** Original bytes of the decoded sample and contig names (format/names.ts). */
  private readonly names = new NameTable();
  private readonly sampleIndex = new Map<string, number>();
  private shortIndex: ShortNameIndex | undefined;

  private readonly layouts: ByteLru<string, SampleLayout>;
  /**
   * Group references under one budget: letters (key 2g, 2g + 1 reverse-complemented) for whole
   * segments, packed as stored (key -1 - g) for ranges, where a query unpacks only what it needs.
   */
  private readonly refs: ByteLru<number, Uint8Array | PackedReference>;
  private readonly kernels: RangeKernels;
  /** Checkpoints of the LZ-diff entries of cached packs (they go with their pack). */
  private readonly checkpoints = new WeakMap<Pack, Uint32Array[]>();
  /** The background job of a pack decoded there (its entries' checkpoints come from it). */
  private readonly packCheckpoints = new WeakMap<Pack, number>();
  /** Packs whose entries are in compact form (decoded in the background; see background-decode.ts). */
  private readonly compactPacks = new WeakSet<Pack>();
  /** zstd into fresh buffers that are not zero-filled first. */
  private readonly decompress: (frame: Uint8Array, rawSize: number) => Uint8Array;
  private readonly packs: ByteLru<number, Pack>;
  /** Memory of the packs and packed references that ranges decompress (see part-ring.ts). */
  private readonly packRing: PartRing;
  private readonly refRing: PartRing;
  /** Compressed bytes of the part being decoded (reused; see readPartReused). */
  private partScratch = new Uint8Array(0);
  /** A pack's text before it is made compact (reused; see compactPack). */
  private packScratch = new Uint8Array(0);
  private readonly streamIds = new Map<number, { ref: number; delta: number }>();
  private streamIdByName: Map<string, number> | undefined;
  private image: ArchiveImage | undefined;
  /** Decompression of all parts ahead of the queries (prefetch), while it runs and after. */
  private background: BackgroundDecode | undefined;
  /**
   * Whole range queries in one native call over what the background decoded; a range it cannot
   * serve (parts not decoded there, corrupt data) takes the JS path.
   */
  private rangeIndex: RangeIndex | undefined;
  /** The prefetch open's size limit: loadIntoMemory takes files up to it. */
  private readonly prefetchMax: number | undefined;
  private closed = false;
  /** The slab small results are cut from, and where its free part starts. */
  private slab: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  private slabAt = 0;

  private constructor(path: string, options: AgcArchiveOptions) {
    const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE;
    const metaBytes = options.metadataCacheBytes ?? DEFAULT_META_CACHE;
    checkInt(cacheBytes, 'cacheBytes');
    checkInt(metaBytes, 'metadataCacheBytes');
    const pf = options.prefetch;
    const prefetchMax = pf === undefined || pf === false ? undefined : pf === true ? 1 << 30 : checkInt(pf, 'prefetch');
    this.path = path;
    this.prefetchMax = prefetchMax;
    this.kernels = (options as InternalOptions).rangeKernels ?? nativeRangeKernels;
    this.decompress = decompressWith(this.kernels);
    // Missing file: AgcInputError; not an AGC archive: AgcCorruptError; both name the file.
    const archive = CppArchive.open(path);
    this.archive = archive;
    try {
      const fti = archive.streamId('file_type_info');
      if (fti === undefined) throw new AgcCorruptError(`${path}: not an AGC archive (no file_type_info stream)`);
      const part = archive.getPart(fti, 0);
      this.fileTypeInfo = new Map([...readCstrPairs(part.data, part.metadata, path)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
      const major = Number.parseInt(this.fileTypeInfo.get('file_version_major') ?? '', 10);
      const minor = Number.parseInt(this.fileTypeInfo.get('file_version_minor') ?? '', 10);
      if (!Number.isFinite(major) || !Number.isFinite(minor)) throw new AgcCorruptError(`${path}: file_type_info has no file version`);
      this.version = major * 1000 + minor;
      if (this.version >= 4000) throw new AgcCorruptError(`${path}: unsupported archive version ${major}.${minor} (newer than this reader)`);
      if (this.version < 3000)
        throw new AgcCorruptError(`${path}: archive version ${major}.${minor} (agc 1.x/2.x) is not supported; only format 3.x archives can be read`);

      const pid = archive.streamId('params');
      if (pid === undefined) throw new AgcCorruptError(`${path}: archive does not contain parameters section`);
      const pd = archive.getPart(pid, 0).data;
      if (pd.length < 16) throw new AgcCorruptError(`${path}: params section too short (${pd.length} bytes)`);
      const dv = new DataView(pd.buffer, pd.byteOffset, pd.byteLength);
      this.params = {
        kmerLength: dv.getUint32(0, true),
        minMatchLength: dv.getUint32(4, true),
        packCardinality: dv.getUint32(8, true),
        segmentSize: dv.getUint32(12, true),
      };
      const { packCardinality, kmerLength, segmentSize } = this.params;
      if (packCardinality < 1 || kmerLength < 1 || kmerLength > 32 || segmentSize < 1)
        throw new AgcCorruptError(`${path}: invalid params (k=${kmerLength}, batch size=${packCardinality}, segment size=${segmentSize})`);
      try {
        this.collection = CppCollection.openForReading(archive, { batchSize: packCardinality, segmentSize, kmerLength });
      } catch (e) {
        throw e instanceof AgcCorruptError ? new AgcCorruptError(`${path}: cannot read the collection: ${e.message}`, { cause: e }) : e;
      }
      this.sampleNames = this.collection.samples().map((b) => this.names.add(b));
    } catch (e) {
      archive.close();
      throw e instanceof AgcError ? e : new AgcCorruptError(`${path}: corrupt archive: ${(e as Error).message}`, { cause: e });
    }
    this.sampleNames.forEach((s, i) => {
      if (!this.sampleIndex.has(s)) this.sampleIndex.set(s, i);
    });
    this.layouts = new ByteLru(metaBytes);
    this.refs = new ByteLru(Math.floor(cacheBytes * 0.4));
    // Packs get the most: on archives that outgrow the cache every cold query decompresses a
    // pack. The rings hold what the caches account for (packed references within the
    // references' 40 %), so they add no budget.
    this.packs = new ByteLru(Math.floor(cacheBytes * 0.6));
    // With prefetch a background thread already keeps the second core busy with the same
    // decoding: populating the rings' pages ahead on a third thread slowed the queries (8 x 60
    // Mbp: 24,200 -> 21,600 /s, timed from before the open).
    const populate = prefetchMax === undefined;
    this.packRing = new PartRing(Math.floor(cacheBytes * 0.6), (key) => this.packs.delete(key), populate);
    this.refRing = new PartRing(Math.floor(cacheBytes * 0.2), (g) => this.refs.delete(-1 - g), populate);
    // Without prefetch the parts go to the same space as the queries decode them (no background
    // thread): ranges then take the native path too (8 x 60 Mbp random ranges 0.75x the time
    // with the caches alone). Parts beyond the space's budget go through the caches.
    if (prefetchMax === undefined && (options as InternalOptions).nativeRanges !== false && this.kernels === nativeRangeKernels) {
      try {
        this.startBackgroundDecode(cacheBytes, true, false, (options as InternalOptions).decodeAhead ?? defaultDecodeAhead(availableParallelism()));
      } catch {
        // (no room for the space's tables: the caches alone, as before)
        this.background = undefined;
        this.rangeIndex = undefined;
      }
    }
    if (prefetchMax !== undefined) {
      try {
        if (archive.fileSize <= prefetchMax)
          this.startBackgroundDecode(
            cacheBytes,
            (options as InternalOptions).nativeRanges !== false,
            (options as InternalOptions).backgroundThread !== false,
            (options as InternalOptions).decodeAhead ?? 0,
          );
      } catch (e) {
        this.close();
        throw new AgcInputError(`${path}: cannot read the archive into memory: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Open an archive. A path opens it with the native reader. A URL (string or URL object), bytes,
   * a Blob or a GenericFilehandle-like object ({ read(length, position), stat() }) opens it with
   * the pure-TypeScript reader (RemoteAgcArchive, same read API; zstd through the addon).
   * Rejects with AgcInputError when the file is missing or not a readable AGC archive.
   * A URL held in a plain `string` variable is typed as AgcArchive; use the AgcReader type or
   * pass `new URL(s)` when that matters.
   */
  static open(
    source: `http://${string}` | `https://${string}` | URL | Uint8Array | ArrayBuffer | Blob | ByteSource,
    options?: AgcArchiveOptions & RemoteArchiveOptions,
  ): Promise<RemoteAgcArchive>;
  static open(path: string, options?: AgcArchiveOptions): Promise<AgcArchive>;
  static async open(source: string | ArchiveSource, options: AgcArchiveOptions & RemoteArchiveOptions = {}): Promise<AgcArchive | RemoteAgcArchive> {
    if (source instanceof URL && source.protocol === 'file:') return AgcArchive.openSync(fileURLToPath(source), options);
    if (typeof source !== 'string' || /^https?:\/\//i.test(source)) {
      const { RemoteAgcArchive } = await import('../web/remote-archive.js');
      return RemoteAgcArchive.open(source, { decompress: zstdDecompress, ...options });
    }
    return AgcArchive.openSync(source, options);
  }

  /** Synchronous open (the native reader is synchronous anyway). */
  static openSync(path: string, options: AgcArchiveOptions = {}): AgcArchive {
    if (typeof path !== 'string' || path.length === 0) throw new AgcInputError('AgcArchive.open: path must be a non-empty string');
    return new AgcArchive(path, options);
  }

  /**
   * The prefetch open: decompress every reference and pack on a background thread (`run`), into
   * at most `budget` bytes (outside the caches' budgets); without `run`, the space the native
   * range queries decode their parts into, `ahead` more parts decoded on the pool for each.
   */
  private startBackgroundDecode(budget: number, nativeRanges: boolean, run: boolean, ahead: number): void {
    const names = this.archive.streamNames();
    const groupStream = /^x[0-9A-Za-z_#]+[rd]$/;
    // References first: a query into an LZ-coded segment needs its group's reference and pack,
    // and the references, nearly incompressible, are decompressed several times faster per byte.
    const streams: number[] = [];
    for (let sid = 0; sid < names.length; sid++) if (groupStream.test(names[sid]) && names[sid].endsWith('r')) streams.push(sid);
    for (let sid = 0; sid < names.length; sid++) if (groupStream.test(names[sid]) && names[sid].endsWith('d')) streams.push(sid);
    // Packs of LZ-diff entries are kept in compact form when the kernels read it; the packs of
    // raw groups hold codes.
    const compact = new Set<number>();
    if (this.kernels.lzCompactRange) {
      const raw = new Set<number>();
      for (let g = 0; g < NO_RAW_GROUPS; g++) raw.add(this.groupStreams(g).delta);
      for (const sid of streams) if (names[sid].endsWith('d') && !raw.has(sid)) compact.add(sid);
    }
    this.background = BackgroundDecode.start(
      this.archive,
      this.path,
      streams,
      compact,
      budget,
      this.params.minMatchLength,
      CHECKPOINT_STEP,
      run,
      run ? 0 : ahead,
      // one thread decoding at a time: the prefetch thread on one CPU, or the queries alone
      run ? availableParallelism() === 1 : ahead === 0,
    );
    // (other kernels are there to be tested: their queries stay theirs)
    if (nativeRanges && this.kernels === nativeRangeKernels) {
      const { packCardinality, minMatchLength, kmerLength } = this.params;
      this.rangeIndex = this.background.rangeIndex(groupStreamIds(names), packCardinality, minMatchLength, kmerLength);
    }
  }

  /**
   * Settles once the background decoding of a `prefetch` open is over (at once without one);
   * for benchmarks and tests.
   * @internal
   */
  async backgroundSettled(): Promise<void> {
    await this.background?.done;
  }

  /** Release the file and caches. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.background?.stop();
    this.background = undefined;
    this.rangeIndex?.close();
    this.rangeIndex = undefined;
    this.collection.close();
    this.archive.close();
    this.layouts.clear();
    this.refs.clear();
    this.packs.clear();
    this.packRing.release();
    this.refRing.release();
    this.partScratch = new Uint8Array(0);
    this.packScratch = new Uint8Array(0);
    this.image = undefined;
    this.slab = new Uint8Array(0);
  }

  /**
   * What the native whole-contig decoder (read/native-extract.ts) needs of this archive.
   * @internal the CLI's bulk extraction path; not part of the published API.
   */
  extractionSource(): ExtractionSource {
    this.checkOpen();
    return {
      archive: this.archive.native,
      path: this.path,
      params: this.params,
      groupStreams: (g) => this.groupStreams(g),
      headerLine: (c) => headerLine(this.headerBytes(c)),
    };
  }

  /**
   * Keep a copy of the whole archive file in memory and serve sequence data from it, when the file
   * is at most `maxBytes` long (at most the `prefetch` limit, when the archive was opened with a
   * larger one); returns whether it did. Worth it before reading most of the archive (whole
   * samples or collections): one file read instead of a read per part.
   */
  loadIntoMemory(maxBytes: number = 64 << 20): boolean {
    this.checkOpen();
    this.image ??= ArchiveImage.load(this.archive, this.path, Math.max(maxBytes, this.prefetchMax ?? 0));
    return this.image !== undefined;
  }

  private getPart(sid: number, part: number): ArchivePart {
    return this.image ? this.image.getPart(sid, part) : this.archive.getPart(sid, part);
  }

  /**
   * As getPart, but the data may be a view into a buffer reused by the next call (when it is read
   * from the file): for parts that are decompressed at once. Saves a fresh buffer (two, natively)
   * per part read.
   */
  private readPartReused(sid: number, part: number): ArchivePart {
    if (this.image) return this.image.getPart(sid, part);
    const size = this.archive.partSize(sid, part);
    if (size > 64 << 20) return this.archive.getPart(sid, part);
    if (size > this.partScratch.length) this.partScratch = new Uint8Array(Math.max(size, Math.min(64 << 20, 2 * this.partScratch.length), 1 << 16));
    const metadata = this.archive.readPartInto(sid, part, this.partScratch);
    return { data: this.partScratch.subarray(0, size), metadata };
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new AgcError(AgcErrorCode.CLOSED, `AgcArchive ${this.path} is closed`);
  }

  // ------------------------------------------------------------------ names

  /** Sample names in archive (registration) order; the first is the reference. Upstream's listset sorts them. */
  async samples(): Promise<string[]> {
    return this.samplesSync();
  }

  samplesSync(): string[] {
    this.checkOpen();
    return this.sampleNames.slice();
  }

  /** The reference sample (the first one added), or undefined for an empty archive. */
  async referenceSample(): Promise<string | undefined> {
    this.checkOpen();
    return this.sampleNames[0];
  }

  /**
   * The bytes stored for a sample or contig name as this reader shows it. Names are shown decoded
   * (UTF-8 when their bytes are valid UTF-8, one char per byte otherwise); output that must equal
   * upstream's (listings, FASTA headers, file names) uses these bytes.
   */
  nameBytes(name: string): Buffer {
    return this.names.bytes(name);
  }

  /**
   * Header bytes (without '>' and newline) of a record of `layout`: the stored name bytes, plus
   * whatever `header` adds after the name (e.g. a range suffix), as UTF-8.
   */
  headerBytes(layout: ContigLayout, header: string = layout.name): Uint8Array {
    if (!/[^\x00-\x7f]/.test(layout.name)) return Buffer.from(header, 'utf8');
    if (!header.startsWith(layout.name)) return Buffer.from(header, 'utf8');
    const raw = this.names.bytes(layout.name);
    return header.length === layout.name.length ? raw : Buffer.concat([raw, Buffer.from(header.slice(layout.name.length), 'utf8')]);
  }

  /** Full contig names of a sample in stored order, or undefined for an unknown sample. */
  async contigs(sample: string): Promise<string[] | undefined> {
    return this.contigsSync(sample);
  }

  contigsSync(sample: string): string[] | undefined {
    this.checkOpen();
    if (!this.sampleIndex.has(sample)) return undefined;
    const cached = this.layouts.get(sample);
    if (cached) return cached.contigs.map((c) => c.name);
    return this.fromCollection(() => this.collection.contigNames(this.names.binary(sample)))?.map((b) => this.names.add(b));
  }

  /** Length of a contig, or undefined when the sample or contig is unknown. */
  async contigLength(sample: string | undefined, contig: string): Promise<number | undefined> {
    return this.resolveContig(sample, contig)?.layout.length;
  }

  /** A collection read; the native core's failures there mean a corrupt archive. */
  private fromCollection<T>(read: () => T): T {
    try {
      return read();
    } catch (e) {
      if (e instanceof AgcError || e instanceof TypeError) throw e;
      const msg = (e as Error).message;
      throw new AgcCorruptError(`${this.path}: corrupted archive: ${msg.startsWith(`${this.path}: `) ? msg.slice(this.path.length + 2) : msg}`, { cause: e });
    }
  }

  /** Decoded segment placements of a sample (cached), or undefined for an unknown sample. */
  sampleLayout(sample: string): SampleLayout | undefined {
    this.checkOpen();
    const hit = this.layouts.get(sample);
    if (hit) return hit;
    if (!this.sampleIndex.has(sample)) return undefined;
    const desc = this.fromCollection(() => this.collection.sampleDesc(this.names.binary(sample)));
    if (!desc) return undefined;
    const k = this.params.kmerLength;
    const contigs: ContigLayout[] = [];
    let seg = 0;
    let bytes = 256;
    for (let c = 0; c < desc.contigNames.length; c++) {
      const n = desc.segmentCounts[c];
      const end = seg + n;
      contigs.push(
        makeLayout(
          this.names.add(desc.contigNames[c]),
          k,
          desc.groupId.subarray(seg, end),
          desc.inGroupId.subarray(seg, end),
          desc.rawLength.subarray(seg, end),
          desc.revComp.subarray(seg, end),
        ),
      );
      bytes += 160 + 2 * desc.contigNames[c].length + 8 * (n + 1);
      seg = end;
    }
    bytes += desc.groupId.byteLength * 3 + desc.revComp.byteLength;
    const layout: SampleLayout = { name: sample, contigs };
    this.layouts.set(sample, layout, bytes);
    return layout;
  }

  private buildShortIndex(): ShortNameIndex {
    if (this.shortIndex) return this.shortIndex;
    const idx: ShortNameIndex = new Map();
    for (let s = 0; s < this.sampleNames.length; s++) indexShortNames(idx, s, this.contigsSync(this.sampleNames[s]) ?? []);
    this.shortIndex = idx;
    return idx;
  }

  /**
   * All (sample, contig index) pairs whose short name equals the short form of `contig`, in sample
   * order. Two matching contigs in one sample count twice, as upstream.
   * @internal used by the CLI's getctg; not part of the published API.
   */
  findContig(contig: string): { sample: string; index: number }[] {
    this.checkOpen();
    return shortNameHits(this.buildShortIndex(), this.sampleNames, contig);
  }

  /**
   * Find a contig. With a sample: the first contig whose full name equals `contig`, else the first
   * whose short name equals the short form of `contig`. Without: the name must match (by short
   * name) exactly one contig of the archive; several matches throw AgcAmbiguousNameError.
   * Unknown names give undefined.
   */
  resolveContig(sample: string | undefined, contig: string): ResolvedContig | undefined {
    this.checkOpen();
    checkLookupNames(sample, contig);
    const name = sample ?? soleSample(contig, this.findContig(contig));
    return name === undefined ? undefined : contigInSample(name, this.sampleLayout(name), contig);
  }

  // ------------------------------------------------------------------ sequence

  /**
   * Sequence of a contig or a range of it as upper-case letters (IUPAC codes kept), or undefined
   * when the sample or contig is unknown. 0-based half-open coordinates; `end` is clipped to the
   * contig length and start >= end gives ''.
   *
   * Object form: `{ sample?, contig, start?, end? }`; without `sample` the contig name must be
   * unique in the whole archive (else AgcAmbiguousNameError).
   * GMOD form (@gmod/indexedfasta, @gmod/twobit): `(name, start?, end?, { sample?, signal? })`;
   * the name is looked up in `sample`, by default the reference sample.
   * Long reads decode in slices and give the event loop a turn every few milliseconds;
   * `options.signal` aborts them with AgcAbortError.
   */
  getSequence(query: SequenceQuery, options?: ReadOptions): Promise<string | undefined>;
  getSequence(name: string, start?: number, end?: number, options?: SequenceOptions): Promise<string | undefined>;
  async getSequence(a: SequenceQuery | string, b?: number | ReadOptions, c?: number, d?: SequenceOptions): Promise<string | undefined> {
    const bytes = await this.readCall(sequenceCall(a, b, c, d));
    return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }

  /** As getSequence, as ASCII bytes. */
  getSequenceBytes(query: SequenceQuery, options?: ReadOptions): Promise<Uint8Array | undefined>;
  getSequenceBytes(name: string, start?: number, end?: number, options?: SequenceOptions): Promise<Uint8Array | undefined>;
  getSequenceBytes(a: SequenceQuery | string, b?: number | ReadOptions, c?: number, d?: SequenceOptions): Promise<Uint8Array | undefined> {
    // one promise, not one per nested async function (errors still reject, never throw)
    try {
      return Promise.resolve(this.readCall(sequenceCall(a, b, c, d)));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Object-form getSequenceBytes, synchronously (blocks for the whole read). */
  getSequenceBytesSync(query: SequenceQuery): Uint8Array | undefined {
    const r = this.resolveQuery(sequenceCall(query, undefined, undefined, undefined));
    return r && this.readContig(r.layout, r.start, r.end, true);
  }

  private resolveQuery(call: SequenceCall): { layout: ContigLayout; start: number; end: number } | undefined {
    const query = call.query;
    this.checkOpen();
    let sample = query.sample;
    if (call.positional && sample === undefined) {
      sample = this.sampleNames[0];
      if (sample === undefined) return undefined;
    }
    const r = this.resolveContig(sample, query.contig);
    if (!r) return undefined;
    return { layout: r.layout, ...queryRange(query, r.layout.length) };
  }

  /** The bytes of a call; a promise only for ranges read in slices (see readContigPaced). */
  private readCall(call: SequenceCall): Uint8Array | undefined | Promise<Uint8Array> {
    throwIfAborted(call.signal);
    const r = this.resolveQuery(call);
    if (!r) return undefined;
    return this.readContigPaced(r.layout, r.start, r.end, call.signal);
  }

  /** readContig at once for a range of one slice, else readSlices. */
  private readContigPaced(layout: ContigLayout, start: number, end: number, signal: AbortSignal | undefined): Uint8Array | Promise<Uint8Array> {
    if (end - start <= DECODE_SLICE) return this.readContig(layout, start, end, true);
    return this.readSlices(layout, start, end, signal);
  }

  /** readContig in slices, yielding to the event loop between them once a few ms have passed. */
  private async readSlices(layout: ContigLayout, start: number, end: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const out = new Uint8Array(end - start);
    const pacer = new Pacer(signal);
    for (let p = start; p < end; p += DECODE_SLICE) {
      if (pacer.due()) await pacer.pause();
      this.readContigInto(layout, p, Math.min(end, p + DECODE_SLICE), true, out, p - start);
    }
    return out;
  }

  // ------------------------------------------------------------------ GMOD-style names and sizes

  /** The sample a GMOD-style call refers to: options.sample, else the reference. */
  private gmodSample(options: SequenceOptions | undefined): string | undefined {
    this.checkOpen();
    return gmodCallSample(options, this.sampleNames[0]);
  }

  /** Full contig names of the reference sample (or `options.sample`) in stored order; undefined for an unknown sample. */
  async getSequenceNames(options?: SequenceOptions): Promise<string[] | undefined> {
    const s = this.gmodSample(options);
    return s === undefined ? undefined : this.contigsSync(s);
  }

  /**
   * Contig lengths of the reference sample (or `options.sample`) keyed by full stored name, in an
   * object without prototype (a repeated name keeps its first contig); undefined for an unknown sample.
   */
  async getSequenceSizes(options?: SequenceOptions): Promise<Record<string, number> | undefined> {
    const s = this.gmodSample(options);
    const layout = s === undefined ? undefined : this.sampleLayout(s);
    if (!layout) return undefined;
    return contigSizes(layout);
  }

  /** Length of a contig of the reference (or `options.sample`), by full or short name; undefined when unknown. */
  async getSequenceSize(name: string, options?: SequenceOptions): Promise<number | undefined> {
    const s = this.gmodSample(options);
    return s === undefined ? undefined : this.resolveContig(s, name)?.layout.length;
  }

  /** Whether the reference (or `options.sample`) has a contig of that full or short name. */
  async hasReferenceSequence(name: string, options?: SequenceOptions): Promise<boolean> {
    return (await this.getSequenceSize(name, options)) !== undefined;
  }

  /**
   * Letters of positions [start, end) of a contig (clipped by the caller). `cacheSegments` reads
   * through the range kernels and their caches (packed references); bulk extraction turns it off
   * to decode whole contigs from letter references, which every sample needs.
   */
  readContig(layout: ContigLayout, start: number, end: number, cacheSegments: boolean): Uint8Array {
    this.checkOpen();
    if (end <= start) return new Uint8Array(0);
    // every byte is written below: no zero fill (a plain Uint8Array over an unpooled buffer)
    const out = end - start <= SLAB_RESULT ? this.slabResult(end - start) : allocChecked(end - start, () => `contig ${layout.name}`, unfilled);
    this.readContigInto(layout, start, end, cacheSegments, out, 0);
    return out;
  }

  /** n bytes (n <= SLAB_RESULT) of the current slab, which no other result shares. */
  private slabResult(n: number): Uint8Array {
    if (this.slabAt + n > this.slab.length) {
      this.slab = unfilled(SLAB_BYTES);
      this.slabAt = 0;
    }
    const out = new Uint8Array(this.slab.buffer, this.slabAt, n);
    // (8-aligned, as a view of another type over a result may want)
    this.slabAt += (n + 7) & ~7;
    return out;
  }

  /** As readContig, into dst[offset, offset + end - start). */
  readContigInto(layout: ContigLayout, start: number, end: number, cacheSegments: boolean, dst: Uint8Array, offset: number): void {
    this.checkOpen();
    if (end <= start) return;
    const k = this.params.kmerLength;
    if (start === 0 && end === layout.length && !cacheSegments) {
      writeWholeContig(layout, k, this.segmentWriter, dst, offset);
      return;
    }
    const index = cacheSegments ? this.rangeIndex : undefined;
    if (index?.read(layout.groupId, layout.inGroupId, layout.rawLength, layout.revComp, layout.starts, start, end, dst, offset)) return;
    const n = writeContigRange(layout, k, start, end, this.segmentRangeWriter, dst, offset);
    if (n !== end - start) throw new AgcCorruptError(`${this.path}: corrupted archive: contig ${layout.name} is shorter than its description`);
  }

  /**
   * One FASTA record as upstream's non-streaming writer formats it: header line, then positions
   * [start, end) of the contig in lines of `lineLength`. The sequence is decoded into the tail of
   * the record buffer and wrapped in place, so no intermediate copy of the contig exists.
   */
  formatRecord(layout: ContigLayout, header: string, start: number, end: number, lineLength: number): Buffer {
    const head = headerLine(this.headerBytes(layout, header));
    const buf = allocChecked(
      head.length + wrappedSize(Math.max(0, end - start), lineLength),
      () => `the FASTA record of contig ${layout.name}`,
      (k) => Buffer.allocUnsafe(k),
    );
    this.formatRecordBytes(layout, head, start, end, lineLength, buf, 0);
    return buf;
  }

  /**
   * As formatRecord, into dst at `offset`, which needs fasta-writer's recordSize() bytes of
   * room; so that a caller can fill one reused buffer instead of allocating one per contig.
   * Returns the offset just past the record.
   * @internal the CLI's bulk extraction path; not part of the published API.
   */
  formatRecordInto(layout: ContigLayout, header: string, start: number, end: number, lineLength: number, dst: Uint8Array, offset: number): number {
    return this.formatRecordBytes(layout, headerLine(this.headerBytes(layout, header)), start, end, lineLength, dst, offset);
  }

  private formatRecordBytes(layout: ContigLayout, head: Uint8Array, start: number, end: number, lineLength: number, dst: Uint8Array, offset: number): number {
    const n = Math.max(0, end - start);
    const size = head.length + wrappedSize(n, lineLength);
    if (offset + size > dst.length) throw new AgcInputError(`formatRecordInto: ${size} bytes do not fit at offset ${offset} of ${dst.length}`);
    dst.set(head, offset);
    const headEnd = offset + head.length;
    if (n === 0) return headEnd;
    const textStart = offset + size - n;
    this.readContigInto(layout, start, end, false, dst, textStart);
    return wrapInPlace(dst, textStart, n, headEnd, lineLength);
  }

  private readonly segmentWriter: SegmentWriter = (l, j, dst, offset) =>
    this.writeSegment(l.groupId[j], l.inGroupId[j], l.rawLength[j], l.revComp[j] !== 0, dst, offset);

  private groupStreams(g: number): { ref: number; delta: number } {
    let s = this.streamIds.get(g);
    if (!s) {
      // One call for all names instead of a native lookup per group. Later duplicates win, as
      // in the container's own lookup.
      let ids = this.streamIdByName;
      if (!ids) {
        ids = new Map();
        const names = this.archive.streamNames();
        for (let i = 0; i < names.length; i++) ids.set(names[i], i);
        this.streamIdByName = ids;
      }
      const names = groupStreamNames(g);
      s = { ref: ids.get(names.ref) ?? -1, delta: ids.get(names.delta) ?? -1 };
      this.streamIds.set(g, s);
    }
    return s;
  }

  /**
   * Reference of LZ group g in letters, reverse-complemented when `rc` (each orientation cached).
   * Both orientations are decoded from the stored part: unpacking the tuples reversed costs no
   * more than unpacking them forward, and less than reversing the forward letters.
   */
  private reference(g: number, rc: boolean): Uint8Array {
    const key = g * 2 + (rc ? 1 : 0);
    let r = this.refs.get(key) as Uint8Array | undefined;
    if (r) return r;
    const sid = this.groupStreams(g).ref;
    if (sid < 0 || this.archive.numParts(sid) < 1) throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g} has no reference`);
    const symbols = rc ? CODE_TO_COMPLEMENT_LETTER : CODE_TO_LETTER;
    try {
      const part = this.getPart(sid, 0);
      r = decodeReferencePart(part.data, part.metadata, this.decompress, symbols, rc);
    } catch (e) {
      throw this.corrupt(`reference of group ${g}`, e);
    }
    this.refs.set(key, r, r.byteLength);
    return r;
  }

  /** Reference of LZ group g as stored (packed), for ranges. */
  private packedReference(g: number): PackedReference {
    let r = this.refs.get(-1 - g) as PackedReference | undefined;
    if (r) return r;
    const sid = this.groupStreams(g).ref;
    if (sid < 0 || this.archive.numParts(sid) < 1) throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g} has no reference`);
    try {
      const bg = this.background;
      const ahead = bg?.claim(sid, 0);
      if (ahead) r = decompressedReference(ahead, bg!.marker, bg!.metadata);
      else {
        const part = this.readPartReused(sid, 0);
        // (stored as codes: kept as read, so out of the reused buffer)
        r = packedReference(part.metadata === 0 ? part.data.slice() : part.data, part.metadata, this.kernels, (n) => this.refRing.allocate(n, g));
      }
    } catch (e) {
      throw this.corrupt(`reference of group ${g}`, e);
    }
    // decoded in the background: the bytes live in its space, outside this budget
    this.refs.set(-1 - g, r, this.background && r.bytes.buffer instanceof SharedArrayBuffer ? 64 : r.bytes.byteLength);
    return r;
  }

  private pack(g: number, partNo: number): Pack {
    const key = g * 4294967296 + partNo;
    let p = this.packs.get(key);
    if (p) return p;
    const sid = this.groupStreams(g).delta;
    if (sid < 0 || partNo >= this.archive.numParts(sid)) throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g} has no pack ${partNo}`);
    try {
      // (a pack's marker byte is 0; anything else is decoded, and judged, as without prefetching)
      const ahead = this.background?.claim(sid, partNo);
      const marker = ahead && this.background!.marker;
      if (ahead && (marker === 0 || marker === COMPACT_PACK)) {
        p = new Pack(ahead, this.background!.ends);
        this.packCheckpoints.set(p, this.background!.job);
        if (marker === COMPACT_PACK) this.compactPacks.add(p);
      } else {
        const part = this.readPartReused(sid, partNo);
        if (part.metadata === 0) p = new Pack(part.data.slice());
        else {
          // (the size is checked against the frame before anything is allocated)
          const size = compressedPackSize(part.data, part.metadata);
          const frame = part.data.subarray(0, part.data.length - 1);
          if (g >= NO_RAW_GROUPS && this.kernels.lzCompactRange) p = this.compactPack(frame, size, key);
          else {
            const out = this.packRing.allocate(size, key) ?? Buffer.allocUnsafeSlow(size);
            this.kernels.decompressInto(frame, out);
            p = new Pack(out);
          }
        }
      }
    } catch (e) {
      throw this.corrupt(`group ${g}, pack ${partNo}`, e);
    }
    // decoded in the background: the bytes live in its space, outside this budget
    this.packs.set(key, p, this.background && p.data.buffer instanceof SharedArrayBuffer ? p.ends.byteLength + 64 : p.byteSize);
    return p;
  }

  /**
   * A pack of LZ-diff entries in compact form (see background-decode.ts): decompressed into
   * reused memory, then transcoded into a third as many fresh bytes, which the kernel zeroes page
   * by page at first use (8 x 60 Mbp: zeroing cost more than zstd). When an entry is malformed
   * the pack is kept as text, whose decoder reports it.
   */
  private compactPack(frame: Uint8Array, size: number, key: number): Pack {
    if (this.packScratch.length < size) this.packScratch = new Uint8Array(Math.max(size, 2 * this.packScratch.length));
    const text = this.packScratch.subarray(0, size);
    this.kernels.decompressInto(frame, text);
    const ringed = this.packRing.allocate(size, key);
    const out = ringed ?? Buffer.allocUnsafeSlow(size);
    const ends = compactPack(text, out, this.params.minMatchLength);
    if (!ends) {
      out.set(text);
      return new Pack(out);
    }
    const length = ends.length === 0 ? 0 : ends[ends.length - 1] + 1;
    if (ringed) this.packRing.shrinkLast(key, length);
    const p = new Pack(out.subarray(0, length), ends);
    this.compactPacks.add(p);
    return p;
  }

  /** Checkpoints of entry e (of an n-symbol segment) of a cached pack. */
  private entryCheckpoints(pack: Pack, e: number, n: number): Uint32Array {
    let list = this.checkpoints.get(pack);
    if (list === undefined) this.checkpoints.set(pack, (list = []));
    let c = list[e];
    if (c === undefined) {
      const job = this.packCheckpoints.get(pack);
      c = (job !== undefined && this.background?.checkpoints(job, e)) || newCheckpoints(n);
      list[e] = c;
    }
    return c;
  }

  /** Decode segment `inGroupId` of group g (length n), oriented, into dst[offset, offset + n). */
  private writeSegment(g: number, inGroupId: number, n: number, rc: boolean, dst: Uint8Array, offset: number): void {
    const P = this.params.packCardinality;
    const symbols = rc ? CODE_TO_COMPLEMENT_LETTER : CODE_TO_LETTER;
    // pack() and reference() report their own failures (naming the archive and the part); the
    // try below covers only the decoding of this one segment.
    if (g < NO_RAW_GROUPS) {
      const pack = this.pack(g, Math.floor(inGroupId / P));
      try {
        const entry = pack.entry(inGroupId % P);
        if (entry.length !== n) throw new AgcCorruptError(`raw segment has ${entry.length} symbols, expected ${n}`);
        rawEntryInto(entry, symbols, dst, offset, rc);
      } catch (e) {
        throw this.corrupt(`group ${g}, segment ${inGroupId}`, e);
      }
    } else if (inGroupId === 0) {
      const ref = this.reference(g, rc);
      if (ref.length !== n) throw this.corrupt(`group ${g}, segment 0`, new AgcCorruptError(`reference has ${ref.length} symbols, expected ${n}`));
      dst.set(ref, offset);
    } else {
      const k = inGroupId - 1;
      const pack = this.pack(g, Math.floor(k / P));
      if (this.compactPacks.has(pack)) {
        this.writeSegmentRange(g, inGroupId, n, rc, 0, n, dst, offset);
        return;
      }
      const ref = this.reference(g, rc);
      try {
        lzDiffDecodeInto(ref, pack.entry(k % P), this.params.minMatchLength, symbols, dst, offset, n, rc);
      } catch (e) {
        throw this.corrupt(`group ${g}, segment ${inGroupId}`, e);
      }
    }
  }

  /**
   * The error for corrupt data found while decoding `where`: decoder errors (AGC_CORRUPT, from
   * the format decoders or zstd) get the archive path and the place; anything else (a bug, out
   * of memory) passes through unchanged.
   */
  private corrupt(where: string, e: unknown): unknown {
    if (!(e instanceof AgcCorruptError)) return e;
    return new AgcCorruptError(`${this.path}: corrupted archive: ${where}: ${e.message}`, { cause: e });
  }

  private readonly segmentRangeWriter: SegmentRangeWriter = (l, j, i0, count, dst, q) =>
    this.writeSegmentRange(l.groupId[j], l.inGroupId[j], l.rawLength[j], l.revComp[j] !== 0, i0, count, dst, q);

  /**
   * Symbols [i0, i0 + count) of a segment of length n, oriented, into dst[q, q + count). A
   * reverse-complemented segment's range is the forward range [n - i0 - count, n - i0), decoded
   * forward and then reverse-complemented in place: only `count` symbols are ever written, so a
   * short query into a long segment costs no whole-segment decode.
   */
  private writeSegmentRange(g: number, inGroupId: number, n: number, rc: boolean, i0: number, count: number, dst: Uint8Array, q: number): void {
    if (i0 < 0 || i0 + count > n) throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g}, segment ${inGroupId}: range outside the segment`);
    if (g >= NO_RAW_GROUPS && inGroupId === 0) {
      // The packed reference (never its letters in either orientation): the kernel unpacks the
      // few symbols asked for.
      const ref = this.packedReference(g);
      if (ref.length !== n) throw new AgcCorruptError(`${this.path}: corrupted archive: reference of group ${g} has ${ref.length} symbols, expected ${n}`);
      this.kernels.refRange(ref.bytes, ref.form, i0, count, dst, q, rc);
      return;
    }
    // Decoded segments are not cached: with the entries' checkpoints a 4 kb range costs a few
    // microseconds, and decoding whole segments to keep them cost more than it saved, even
    // for queries that come back to the same 200 kb (klebsiella-8: 10,000 such ranges 196 ms
    // with a cache admitting on the fourth read, 133 ms without; random ranges on 8 x 60 Mbp 20 %
    // faster without).
    const P = this.params.packCardinality;
    // pack() and packedReference() report their own failures; the try covers this segment's decoding.
    if (g < NO_RAW_GROUPS) {
      const pack = this.pack(g, Math.floor(inGroupId / P));
      try {
        const entry = pack.entry(inGroupId % P);
        if (entry.length !== n) throw new AgcCorruptError(`raw segment has ${entry.length} symbols, expected ${n}`);
        this.kernels.refRange(entry, RefForm.CODES, i0, count, dst, q, rc);
      } catch (e) {
        throw this.corrupt(`group ${g}, segment ${inGroupId}`, e);
      }
      return;
    }
    const k = inGroupId - 1;
    const pack = this.pack(g, Math.floor(k / P));
    const ref = this.packedReference(g);
    try {
      const enc = pack.entry(k % P);
      const checkpoints = this.entryCheckpoints(pack, k % P, n);
      // (compact packs exist only with kernels that read them)
      if (this.compactPacks.has(pack)) this.kernels.lzCompactRange!(ref, enc, this.params.minMatchLength, n, i0, i0 + count, dst, q, rc, checkpoints);
      else this.kernels.lzRange(ref, enc, this.params.minMatchLength, n, i0, i0 + count, dst, q, rc, checkpoints);
    } catch (e) {
      throw this.corrupt(`group ${g}, segment ${inGroupId}`, e);
    }
  }

  // ------------------------------------------------------------------ FASTA streams

  /**
   * FASTA of one sample (as `agc getset`), as chunks; memory stays bounded by `chunkSymbols`.
   * Throws AgcInputError for an unknown sample.
   */
  async *streamSample(sample: string, options: FastaStreamOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const layout = this.sampleLayout(sample);
    if (!layout) throw new AgcInputError(`There is no sample ${sample}`);
    yield* this.streamLayouts(layout.contigs, options);
  }

  /** FASTA of every sample in archive order (as `agc getcol`), as chunks. */
  async *streamCollection(options: FastaStreamOptions & { skipReference?: boolean } = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const names = this.samplesSync();
    this.loadIntoMemory();
    for (let i = options.skipReference ? 1 : 0; i < names.length; i++) {
      const layout = this.sampleLayout(names[i]);
      if (!layout) throw new AgcInputError(`There is no sample ${names[i]}`);
      yield* this.streamLayouts(layout.contigs, options);
    }
  }

  private async *streamLayouts(contigs: readonly ContigLayout[], options: FastaStreamOptions): AsyncGenerator<Uint8Array, void, undefined> {
    const lineLength = options.lineLength ?? 80;
    checkInt(lineLength, 'lineLength');
    if (lineLength < 1) throw new AgcInputError('lineLength must be >= 1');
    const chunk = options.chunkSymbols === undefined ? 4 << 20 : Math.max(1, checkInt(options.chunkSymbols, 'chunkSymbols'));
    const pacer = new Pacer(checkSignal(options.signal));
    const fmt = new StreamingRecordFormatter(lineLength);
    for (const c of contigs) {
      yield fmt.start(this.headerBytes(c));
      for (let p = 0; p < c.length; p += chunk) {
        const q = Math.min(c.length, p + chunk);
        const piece = new Uint8Array(q - p);
        // A chunk decodes in slices with event-loop turns between them, as getSequence does.
        for (let r = p; r < q; r += DECODE_SLICE) {
          if (pacer.due()) await pacer.pause();
          this.readContigInto(c, r, Math.min(q, r + DECODE_SLICE), false, piece, r - p);
        }
        yield fmt.piece(piece);
        pacer.check();
      }
      const tail = fmt.end(false);
      if (tail.length) yield tail;
    }
  }
}
