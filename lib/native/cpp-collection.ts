// Typed handle on the C++ version-3 collection (upstream CCollection_V3): samples, contigs and
// segment placements. Placements are sent to C++ in batches of typed arrays (PlacementBuffer),
// never one call per segment.
import { native } from './load.js';
import { callNative } from './native-error.js';
import type { Collection as NativeCollection, CollectionParams, PlacementBatch, SampleDesc } from '../../binding.js';
import type { CppArchive } from './cpp-archive.js';
import { NativeHandle, argError, checkIndex, checkString, intIssues } from './handle.js';

export type { CollectionParams, PlacementBatch, SampleDesc };

// The ranges the collection can store (u32 fields); the same as the bridge's guards.
const PARAM_MAX = { batchSize: 0xffffffff, segmentSize: 0xffffffff, kmerLength: 32 } as const;

/** The parameters with their own keys only; an AgcInputError naming `what` when they are bad. */
function collectionParams(params: unknown, what: string): CollectionParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw argError(what, ['collection parameters must be an object']);
  const out = {} as Record<keyof CollectionParams, number>;
  const issues: string[] = [];
  for (const key of Object.keys(PARAM_MAX) as (keyof CollectionParams)[]) {
    const value = (params as Record<string, unknown>)[key];
    const max = PARAM_MAX[key];
    const bounds = [
      [(n: number) => n >= 1, `${key} must be at least 1`],
      [(n: number) => n <= max, `${key} must be at most ${max}`],
    ] as const;
    for (const issue of intIssues(value, `${key} must be an integer`, bounds)) issues.push(`${key}: ${issue}`);
    out[key] = value as number;
  }
  if (issues.length) throw argError(what, issues);
  return out;
}

const checkName = (name: unknown, what: string): string => checkString(name, 'name must be a string', what);

/**
 * The version-3 collection of an archive. Use {@link CppCollection.openForReading} on an archive
 * opened with CppArchive.open, {@link CppCollection.forCompression} on a new archive, or
 * {@link CppCollection.forAppend} to continue an existing one into a new file.
 */
// Sample and contig names here are binary strings (one char per byte; format/names.ts): the
// bytes stored in the archive, whatever their encoding.
export class CppCollection extends NativeHandle<NativeCollection> {
  private constructor() {
    super(callNative(() => new native.Collection()));
  }

  /** Attach to an archive open for reading; sample names load now, contig batches on demand. */
  static openForReading(archive: CppArchive, params: CollectionParams): CppCollection {
    const c = new CppCollection();
    callNative(() => c.native.openForReading(archive.native, collectionParams(params, 'CppCollection.openForReading')));
    return c;
  }

  /** Start a collection in a new archive (registers the three collection streams). */
  static forCompression(archive: CppArchive, params: CollectionParams): CppCollection {
    const c = new CppCollection();
    callNative(() => c.native.prepareForCompression(archive.native, collectionParams(params, 'CppCollection.forCompression')));
    return c;
  }

  /**
   * Continue the collection of `input` into the new archive `output`: copies all complete
   * batches, reloads a partial last batch so new samples join it.
   */
  static forAppend(input: CppArchive, output: CppArchive, params: CollectionParams): CppCollection {
    const c = new CppCollection();
    callNative(() => c.native.prepareForAppend(input.native, output.native, collectionParams(params, 'CppCollection.forAppend')));
    return c;
  }

  /** Number of samples. */
  get numSamples(): number {
    return callNative(() => this.native.getNumSamples());
  }

  /** Sample names in registration order (the first is the reference). */
  samples(): string[] {
    return callNative(() => this.native.getSamples());
  }

  /** Full contig names of a sample, or undefined for an unknown sample. */
  contigNames(sample: string): string[] | undefined {
    return callNative(() => this.native.getContigNames(checkName(sample, 'contigNames')));
  }

  /** Segment placements of every contig of a sample, or undefined for an unknown sample. */
  sampleDesc(sample: string): SampleDesc | undefined {
    return callNative(() => this.native.getSampleDesc(checkName(sample, 'sampleDesc')));
  }

  /** Forget the previous sample name (call before each input file, as upstream). */
  resetPrevSampleName(): void {
    callNative(() => this.native.resetPrevSampleName());
  }

  /** Register a contig; false when rejected because its sample already exists. */
  registerSampleContig(sample: string, contig: string): boolean {
    return callNative(() =>
      this.native.registerSampleContig(checkName(sample, 'registerSampleContig sample'), checkName(contig, 'registerSampleContig contig')),
    );
  }

  /** Place a batch of segments in one call. */
  addSegmentsPlaced(batch: PlacementBatch): void {
    callNative(() => this.native.addSegmentsPlaced(batch));
  }

  /** Serialize samples [from, to) into buffered collection-contigs/-details parts. */
  storeContigBatch(from: number, to: number): void {
    callNative(() => this.native.storeContigBatch(checkIndex(from, 'storeContigBatch from'), checkIndex(to, 'storeContigBatch to')));
  }

  /** Buffer the collection-samples part. */
  completeSerialization(): void {
    callNative(() => this.native.completeSerialization());
  }
}

/**
 * Collects segment placements in growable typed arrays and sends them to a CppCollection in
 * one native call per flush. Sample and contig names are interned into string tables.
 */
export class PlacementBuffer {
  private n = 0;
  private cap: number;
  private sampleIndex: Uint32Array;
  private contigIndex: Uint32Array;
  private place: Uint32Array;
  private groupId: Uint32Array;
  private inGroupId: Uint32Array;
  private rawLength: Uint32Array;
  private revComp: Uint8Array;
  private sampleNames: string[] = [];
  private contigNames: string[] = [];
  private sampleIds = new Map<string, number>();
  private contigIds = new Map<string, number>();

  constructor(initialCapacity = 1024) {
    this.cap = Math.max(16, initialCapacity);
    this.sampleIndex = new Uint32Array(this.cap);
    this.contigIndex = new Uint32Array(this.cap);
    this.place = new Uint32Array(this.cap);
    this.groupId = new Uint32Array(this.cap);
    this.inGroupId = new Uint32Array(this.cap);
    this.rawLength = new Uint32Array(this.cap);
    this.revComp = new Uint8Array(this.cap);
  }

  get length(): number {
    return this.n;
  }

  /** Queue one placement. */
  add(sample: string, contig: string, place: number, groupId: number, inGroupId: number, rawLength: number, revComp: boolean): void {
    if (this.n === this.cap) this.grow();
    let s = this.sampleIds.get(sample);
    if (s === undefined) {
      s = this.sampleNames.length;
      this.sampleNames.push(sample);
      this.sampleIds.set(sample, s);
    }
    let c = this.contigIds.get(contig);
    if (c === undefined) {
      c = this.contigNames.length;
      this.contigNames.push(contig);
      this.contigIds.set(contig, c);
    }
    const i = this.n++;
    this.sampleIndex[i] = s;
    this.contigIndex[i] = c;
    this.place[i] = place;
    this.groupId[i] = groupId;
    this.inGroupId[i] = inGroupId;
    this.rawLength[i] = rawLength;
    this.revComp[i] = revComp ? 1 : 0;
  }

  /** Send everything queued to `collection` and start over. */
  flushTo(collection: CppCollection): void {
    if (this.n === 0) return;
    const n = this.n;
    collection.addSegmentsPlaced({
      sampleNames: this.sampleNames,
      contigNames: this.contigNames,
      sampleIndex: this.sampleIndex.subarray(0, n),
      contigIndex: this.contigIndex.subarray(0, n),
      place: this.place.subarray(0, n),
      groupId: this.groupId.subarray(0, n),
      inGroupId: this.inGroupId.subarray(0, n),
      rawLength: this.rawLength.subarray(0, n),
      revComp: this.revComp.subarray(0, n),
    });
    this.n = 0;
    this.sampleNames = [];
    this.contigNames = [];
    this.sampleIds.clear();
    this.contigIds.clear();
  }

  private grow(): void {
    this.cap *= 2;
    const g32 = (a: Uint32Array) => {
      const b = new Uint32Array(this.cap);
      b.set(a);
      return b;
    };
    this.sampleIndex = g32(this.sampleIndex);
    this.contigIndex = g32(this.contigIndex);
    this.place = g32(this.place);
    this.groupId = g32(this.groupId);
    this.inGroupId = g32(this.inGroupId);
    this.rawLength = g32(this.rawLength);
    const r = new Uint8Array(this.cap);
    r.set(this.revComp);
    this.revComp = r;
  }
}
