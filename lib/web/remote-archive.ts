// Read access to AGC archives on any byte source (HTTP range requests, Uint8Array, Blob,
// GenericFilehandle) in pure TypeScript: no node: imports, no native addon. Same read API and
// same results as AgcArchive; the container and the collection are parsed here instead of in
// C++, and the segment decoders of lib/format are shared.
//
// Every query first works out which archive parts it needs, fetches the missing ones together
// (SpanCache merges close ranges into one request), then decodes synchronously. Decoded
// references, packs and segments are cached as in AgcArchive.
import { AgcCorruptError, AgcError, AgcErrorCode, AgcInputError } from '../errors.js';
import { type ArchiveSource, toByteSource } from '../io/open-source.js';
import type { ByteSource } from '../io/byte-source.js';
import type { HttpFileOptions } from '../io/http-file.js';
import { ByteLru } from '../read/byte-lru.js';
import { CODE_TO_COMPLEMENT_LETTER, CODE_TO_LETTER } from '../format/letters.js';
import { lzDiffDecodeInto } from '../format/lz-diff-decode.js';
import { type Decompress, NO_RAW_GROUPS, type Pack, decodeReferencePart, groupStreamNames, rawEntryInto, unpackPart } from '../format/segment-decode.js';
import { type ContigLayout, copyContigRange, makeLayout, segmentAt } from '../format/contig-layout.js';
import { type StreamTable, decodePart, footerLength, parseFooter, partSpan } from './container.js';
import { SpanCache } from './span-cache.js';
import { type ContigDetails, decodeContigDetails, decodeContigNames, decodeSampleNames, inflate } from './collection-v3.js';
import { fzstdDecompress } from './fzstd-decompress.js';
import type { AgcReader, ArchiveParams, SampleLayout, SequenceQuery } from './reader-api.js';
import { type ResolvedContig, type ShortNameIndex, checkLookupNames, contigInSample, indexShortNames, shortNameHits, soleSample } from './contig-lookup.js';
import {
  DECODE_SLICE,
  Pacer,
  type ReadOptions,
  type SequenceCall,
  type SequenceOptions,
  checkInt,
  contigSizes,
  gmodCallSample,
  queryRange,
  sequenceCall,
  throwIfAborted,
} from './read-options.js';

export interface RemoteArchiveOptions {
  /** zstd decoder (default: fzstd; AgcArchive.open passes the addon's in Node). */
  decompress?: Decompress;
  /** Budget in bytes for decoded references, packs and segments (default 64 MiB). */
  cacheBytes?: number;
  /** Budget in bytes for fetched archive bytes (default 32 MiB). */
  fetchCacheBytes?: number;
  /** Ranges at most this many bytes apart are fetched in one request (default 32 KiB). */
  mergeGap?: number;
  /** Fetch all contig names and placements at open when they take at most this many bytes (default 1 MiB). */
  preloadCollectionBytes?: number;
  /** Options of the HTTP source when a URL is opened. */
  http?: HttpFileOptions;
}

/** A contig found by name. */
export type RemoteResolvedContig = ResolvedContig;

const TAIL = 65536;
// Segments decoded per fetch round of a long range: bounds the bytes that must stay cached at once.
const SEGMENTS_PER_ROUND = 64;
const EMPTY = new Uint8Array(0);

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

export class RemoteAgcArchive implements AgcReader {
  readonly path: string;
  readonly version: number;
  readonly params: ArchiveParams;
  readonly fileTypeInfo: ReadonlyMap<string, string>;
  /** The byte source (an HttpFile for URLs: see its `stats`). */
  readonly source: ByteSource;

  private readonly sampleNames: string[];
  private readonly sampleIndex = new Map<string, number>();
  private readonly batches = new Map<number, Promise<ContigDetails[][]>>();
  private readonly layouts = new ByteLru<string, SampleLayout>(16 << 20);
  private readonly refs: ByteLru<number, Uint8Array>;
  private readonly packs: ByteLru<number, Pack>;
  private readonly segments: ByteLru<number | string, Uint8Array>;
  private shortIndex: ShortNameIndex | undefined;
  private closed = false;

  private constructor(
    name: string,
    source: ByteSource,
    private readonly table: StreamTable,
    private readonly spans: SpanCache,
    private readonly decompress: Decompress,
    fti: Map<string, string>,
    version: number,
    params: ArchiveParams,
    samples: string[],
    cacheBytes: number,
  ) {
    this.path = name;
    this.source = source;
    this.fileTypeInfo = fti;
    this.version = version;
    this.params = params;
    this.sampleNames = samples;
    // A repeated sample name resolves to its last entry, as in the native collection.
    samples.forEach((s, i) => this.sampleIndex.set(s, i));
    this.refs = new ByteLru(Math.floor(cacheBytes * 0.5));
    this.packs = new ByteLru(Math.floor(cacheBytes * 0.2));
    this.segments = new ByteLru(Math.floor(cacheBytes * 0.3));
  }

  /** Open an archive from a URL, bytes, a Blob or a GenericFilehandle; reads the footer and the sample list. */
  static async open(input: ArchiveSource, options: RemoteArchiveOptions = {}): Promise<RemoteAgcArchive> {
    const { source, name } = toByteSource(input, options.http);
    const decompress = options.decompress ?? fzstdDecompress;
    const cacheBytes = checkInt(options.cacheBytes ?? 64 << 20, 'cacheBytes');
    const spans = new SpanCache(source, name, { budget: options.fetchCacheBytes ?? 32 << 20, mergeGap: options.mergeGap });
    const { size } = await source.stat();
    if (!Number.isSafeInteger(size) || size < 9) throw new AgcCorruptError(`${name}: not an AGC archive (${size} bytes)`);
    const tailLen = Math.min(size, TAIL);
    const tail = await source.read(tailLen, size - tailLen);
    if (tail.length !== tailLen) throw new AgcError(AgcErrorCode.IO, `${name}: read ${tail.length} bytes of the last ${tailLen}`);
    spans.add(size - tailLen, tail);
    const flen = footerLength(tail.subarray(tailLen - 8), size, name);
    const footerStart = size - 8 - flen;
    // Everything open() fetched stays pinned until it is decoded (see SpanCache.ensure).
    const releases: (() => void)[] = [];
    releases.push(await spans.ensure([{ start: footerStart, end: size - 8 }]));
    const table = parseFooter(spans.get(footerStart, size - 8), footerStart, name);

    const sid = (s: string) => table.ids.get(s);
    const fti = sid('file_type_info');
    if (fti === undefined || table.sizes[fti].length < 1) throw new AgcInputError(`${name}: not an AGC archive (no file_type_info stream)`);
    const pid = sid('params');
    const cs = sid('collection-samples');
    const first = [fti, pid, cs].filter((x): x is number => x !== undefined && table.sizes[x].length > 0);
    releases.push(await spans.ensure(first.map((s) => partSpan(table, s, 0))));
    const part = (s: number, p: number) =>
      decodePart(spans.get(partSpan(table, s, p).start, partSpan(table, s, p).end), table.sizes[s][p], `${name}: part ${p} of stream ${table.names[s]}`);

    const ftiPart = part(fti, 0);
    const pairs = new Map<string, string>();
    {
      const dec = new TextDecoder();
      const d = ftiPart.data;
      let p = 0;
      for (let i = 0; i < ftiPart.metadata; i++) {
        const kv: string[] = [];
        for (let j = 0; j < 2; j++) {
          const z = d.indexOf(0, p);
          if (z < 0) throw new AgcInputError(`${name}: truncated file_type_info`);
          kv.push(dec.decode(d.subarray(p, z)));
          p = z + 1;
        }
        pairs.set(kv[0], kv[1]);
      }
    }
    const sorted = new Map([...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    const major = Number.parseInt(sorted.get('file_version_major') ?? '', 10);
    const minor = Number.parseInt(sorted.get('file_version_minor') ?? '', 10);
    if (!Number.isFinite(major) || !Number.isFinite(minor)) throw new AgcInputError(`${name}: file_type_info has no file version`);
    const version = major * 1000 + minor;
    if (version >= 4000) throw new AgcInputError(`${name}: unsupported archive version ${major}.${minor} (newer than this reader)`);
    if (version < 3000)
      throw new AgcInputError(`${name}: archive version ${major}.${minor} (agc 1.x/2.x) is not supported; only format 3.x archives can be read`);

    if (pid === undefined || table.sizes[pid].length < 1) throw new AgcInputError(`${name}: archive does not contain parameters section`);
    const pd = part(pid, 0).data;
    if (pd.length < 16) throw new AgcInputError(`${name}: params section too short (${pd.length} bytes)`);
    const dv = new DataView(pd.buffer, pd.byteOffset, pd.byteLength);
    const params: ArchiveParams = {
      kmerLength: dv.getUint32(0, true),
      minMatchLength: dv.getUint32(4, true),
      packCardinality: dv.getUint32(8, true),
      segmentSize: dv.getUint32(12, true),
    };
    if (params.packCardinality < 1 || params.kmerLength < 1 || params.kmerLength > 32)
      throw new AgcInputError(`${name}: invalid params (k=${params.kmerLength}, batch size=${params.packCardinality})`);

    if (cs === undefined || table.sizes[cs].length < 1)
      throw new AgcInputError(`${name}: cannot read the collection: no collection-samples stream (not a v3 archive?)`);
    const sp = part(cs, 0);
    const ctx = `${name}: corrupt collection-samples part 0`;
    const samples = decodeSampleNames(inflate(sp.data, sp.metadata, decompress, ctx), ctx);
    // Contig names and placements of all samples are small next to the sequence data: when they
    // fit the budget, fetch them now (a request or two) so that no later query pays for them.
    const collection = ['collection-contigs', 'collection-details'].flatMap((n) => {
      const id = sid(n);
      return id === undefined ? [] : Array.from(table.offsets[id], (_, p) => partSpan(table, id, p));
    });
    const collectionBytes = collection.reduce((t, r) => t + r.end - r.start, 0);
    if (collectionBytes <= (options.preloadCollectionBytes ?? 1 << 20)) releases.push(await spans.ensure(collection));
    for (const r of releases) r();
    return new RemoteAgcArchive(name, source, table, spans, decompress, sorted, version, params, samples, cacheBytes);
  }

  private checkOpen(): void {
    if (this.closed) throw new AgcError(AgcErrorCode.CLOSED, `AgcArchive ${this.path} is closed`);
  }

  /** Drop caches; the byte source is closed too. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.spans.clear();
    this.batches.clear();
    this.layouts.clear();
    this.refs.clear();
    this.packs.clear();
    this.segments.clear();
    void this.source.close?.().catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // ------------------------------------------------------------------ parts

  private span(sid: number, p: number): { start: number; end: number } {
    return partSpan(this.table, sid, p);
  }

  /** A part whose bytes were fetched (ensure) before. */
  private part(sid: number, p: number): { data: Uint8Array; metadata: number } {
    const s = this.span(sid, p);
    return decodePart(this.spans.get(s.start, s.end), this.table.sizes[sid][p], `${this.path}: part ${p} of stream ${this.table.names[sid]}`);
  }

  private streamId(name: string): number {
    return this.table.ids.get(name) ?? -1;
  }

  // ------------------------------------------------------------------ collection

  private batch(b: number): Promise<ContigDetails[][]> {
    let hit = this.batches.get(b);
    if (hit) {
      this.batches.delete(b);
      this.batches.set(b, hit);
      return hit;
    }
    hit = this.loadBatch(b);
    this.batches.set(b, hit);
    hit.catch(() => this.batches.delete(b));
    // Layouts keep what they need; a few decoded batches are enough for name lookups.
    while (this.batches.size > 4) this.batches.delete(this.batches.keys().next().value as number);
    return hit;
  }

  private async loadBatch(b: number): Promise<ContigDetails[][]> {
    const cid = this.streamId('collection-contigs');
    const did = this.streamId('collection-details');
    if (cid < 0 || did < 0) throw new AgcCorruptError(`${this.path}: no collection-contigs/-details stream (not a v3 archive?)`);
    if (b >= this.table.sizes[cid].length) throw new AgcCorruptError(`${this.path}: collection-contigs has no part ${b}`);
    if (b >= this.table.sizes[did].length) throw new AgcCorruptError(`${this.path}: collection-details has no part ${b}`);
    const release = await this.spans.ensure([this.span(cid, b), this.span(did, b)]);
    try {
      return this.decodeBatch(b, cid, did);
    } finally {
      release();
    }
  }

  private decodeBatch(b: number, cid: number, did: number): ContigDetails[][] {
    this.checkOpen();
    const np = this.part(cid, b);
    const nctx = `${this.path}: corrupt collection-contigs part ${b}`;
    const names = decodeContigNames(inflate(np.data, np.metadata, this.decompress, nctx), nctx);
    const first = b * this.params.packCardinality;
    const available = Math.max(0, this.sampleNames.length - first);
    if (names.length > available) throw new AgcCorruptError(`${nctx} (it lists ${names.length} samples, the archive has ${available} from sample ${first})`);
    const dp = this.part(did, b);
    return decodeContigDetails(
      dp.data,
      names,
      this.params.segmentSize,
      this.params.kmerLength,
      this.decompress,
      `${this.path}: corrupt collection-details part ${b}`,
    );
  }

  private async sampleContigs(sample: string): Promise<ContigDetails[] | undefined> {
    this.checkOpen();
    const i = this.sampleIndex.get(sample);
    if (i === undefined) return undefined;
    const P = this.params.packCardinality;
    const b = Math.floor(i / P);
    return (await this.batch(b))[i - b * P] ?? [];
  }

  // ------------------------------------------------------------------ names

  /** Sample names in archive (registration) order; the first is the reference. */
  async samples(): Promise<string[]> {
    this.checkOpen();
    return this.sampleNames.slice();
  }

  async referenceSample(): Promise<string | undefined> {
    this.checkOpen();
    return this.sampleNames[0];
  }

  async contigs(sample: string): Promise<string[] | undefined> {
    return (await this.sampleContigs(sample))?.map((c) => c.name);
  }

  async contigLength(sample: string | undefined, contig: string): Promise<number | undefined> {
    return (await this.resolveContig(sample, contig))?.layout.length;
  }

  /** Decoded segment placements of a sample (cached), or undefined for an unknown sample. */
  async sampleLayout(sample: string): Promise<SampleLayout | undefined> {
    this.checkOpen();
    const hit = this.layouts.get(sample);
    if (hit) return hit;
    const desc = await this.sampleContigs(sample);
    if (!desc) return undefined;
    const k = this.params.kmerLength;
    let bytes = 256;
    const contigs = desc.map((c) => {
      bytes += 160 + 2 * c.name.length + 21 * c.rawLength.length;
      return makeLayout(c.name, k, c.groupId, c.inGroupId, c.rawLength, c.revComp);
    });
    const layout: SampleLayout = { name: sample, contigs };
    this.layouts.set(sample, layout, bytes);
    return layout;
  }

  private async buildShortIndex(): Promise<ShortNameIndex> {
    if (this.shortIndex) return this.shortIndex;
    const idx: ShortNameIndex = new Map();
    for (let s = 0; s < this.sampleNames.length; s++) indexShortNames(idx, s, (await this.contigs(this.sampleNames[s])) ?? []);
    this.shortIndex = idx;
    return idx;
  }

  /** All (sample, contig index) pairs whose short name equals the short form of `contig`. */
  async findContig(contig: string): Promise<{ sample: string; index: number }[]> {
    this.checkOpen();
    return shortNameHits(await this.buildShortIndex(), this.sampleNames, contig);
  }

  /** Find a contig as AgcArchive.resolveContig does (full name first, then short name). */
  async resolveContig(sample: string | undefined, contig: string): Promise<RemoteResolvedContig | undefined> {
    this.checkOpen();
    checkLookupNames(sample, contig);
    const name = sample ?? soleSample(contig, await this.findContig(contig));
    return name === undefined ? undefined : contigInSample(name, await this.sampleLayout(name), contig);
  }

  // ------------------------------------------------------------------ sequence

  /**
   * Letters of [start, end) of a contig (0-based, half-open, end clipped), or undefined when
   * unknown. Object form, or GMOD form `(name, start?, end?, { sample?, signal? })` in which the
   * name is a contig of `sample`, by default the reference (see AgcReader).
   */
  getSequence(query: SequenceQuery, options?: ReadOptions): Promise<string | undefined>;
  getSequence(name: string, start?: number, end?: number, options?: SequenceOptions): Promise<string | undefined>;
  async getSequence(a: SequenceQuery | string, b?: number | ReadOptions, c?: number, d?: SequenceOptions): Promise<string | undefined> {
    const bytes = await this.readCall(sequenceCall(a, b, c, d));
    return bytes === undefined ? undefined : latin1(bytes);
  }

  getSequenceBytes(query: SequenceQuery, options?: ReadOptions): Promise<Uint8Array | undefined>;
  getSequenceBytes(name: string, start?: number, end?: number, options?: SequenceOptions): Promise<Uint8Array | undefined>;
  async getSequenceBytes(a: SequenceQuery | string, b?: number | ReadOptions, c?: number, d?: SequenceOptions): Promise<Uint8Array | undefined> {
    return this.readCall(sequenceCall(a, b, c, d));
  }

  private async readCall(call: SequenceCall): Promise<Uint8Array | undefined> {
    throwIfAborted(call.signal);
    this.checkOpen();
    const query = call.query;
    let sample = query.sample;
    if (call.positional && sample === undefined) {
      sample = this.sampleNames[0];
      if (sample === undefined) return undefined;
    }
    const r = await this.resolveContig(sample, query.contig);
    if (!r) return undefined;
    const { start, end } = queryRange(query, r.layout.length);
    return this.readContig(r.layout, start, end, call.signal);
  }

  // ------------------------------------------------------------------ GMOD-style names and sizes

  private gmodSample(options: SequenceOptions | undefined): string | undefined {
    this.checkOpen();
    return gmodCallSample(options, this.sampleNames[0]);
  }

  /** Full contig names of the reference sample (or `options.sample`); undefined for an unknown sample. */
  async getSequenceNames(options?: SequenceOptions): Promise<string[] | undefined> {
    const s = this.gmodSample(options);
    return s === undefined ? undefined : this.contigs(s);
  }

  /** Contig lengths of the reference sample (or `options.sample`) by full name (object without prototype). */
  async getSequenceSizes(options?: SequenceOptions): Promise<Record<string, number> | undefined> {
    const s = this.gmodSample(options);
    const layout = s === undefined ? undefined : await this.sampleLayout(s);
    if (!layout) return undefined;
    return contigSizes(layout);
  }

  /** Length of a contig of the reference (or `options.sample`), by full or short name. */
  async getSequenceSize(name: string, options?: SequenceOptions): Promise<number | undefined> {
    const s = this.gmodSample(options);
    return s === undefined ? undefined : (await this.resolveContig(s, name))?.layout.length;
  }

  async hasReferenceSequence(name: string, options?: SequenceOptions): Promise<boolean> {
    return (await this.getSequenceSize(name, options)) !== undefined;
  }

  /**
   * Letters of positions [start, end) of a contig (clipped by the caller). Decodes in slices and
   * gives the event loop a turn every few ms; `signal` aborts with AgcAbortError.
   */
  async readContig(layout: ContigLayout, start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    this.checkOpen();
    if (end <= start) return EMPTY;
    const pacer = new Pacer(signal);
    const out = new Uint8Array(end - start);
    const k = this.params.kmerLength;
    const starts = layout.starts;
    const nseg = layout.rawLength.length;
    const segment = (l: ContigLayout, i: number) => this.orientedSegment(l.groupId[i], l.inGroupId[i], l.rawLength[i], l.revComp[i] !== 0);
    let j = segmentAt(layout, start);
    let pos = start;
    while (pos < end) {
      let jEnd = j + 1;
      while (jEnd < nseg && jEnd - j < SEGMENTS_PER_ROUND && starts[jEnd] < end) jEnd++;
      const to = jEnd >= nseg ? end : Math.min(end, starts[jEnd]);
      const release = await this.fetchFor(layout, j, jEnd);
      try {
        pacer.check();
        for (let p = pos; p < to; p += DECODE_SLICE) {
          if (pacer.due()) await pacer.pause();
          this.checkOpen();
          const q = Math.min(to, p + DECODE_SLICE);
          let n: number;
          try {
            n = copyContigRange(layout, k, p, q, segment, out, p - start);
          } catch (e) {
            if (e instanceof AgcError) throw e;
            throw new AgcCorruptError(`${this.path}: ${(e as Error).message}`);
          }
          if (n !== q - p) throw new AgcCorruptError(`${this.path}: corrupted archive: contig ${layout.name} is shorter than its description`);
        }
      } finally {
        release();
      }
      pos = to;
      j = jEnd;
    }
    return out;
  }

  /** Fetch (in as few requests as SpanCache can) the parts segments [j0, j1) need and the caches lack. */
  private async fetchFor(layout: ContigLayout, j0: number, j1: number): Promise<() => void> {
    const P = this.params.packCardinality;
    const need: { start: number; end: number }[] = [];
    for (let j = j0; j < j1; j++) {
      const g = layout.groupId[j];
      const id = layout.inGroupId[j];
      const rc = layout.revComp[j] !== 0;
      if (this.segments.has(this.segmentKey(g, id, rc)) && !(g >= NO_RAW_GROUPS && id === 0)) continue;
      if (g >= NO_RAW_GROUPS) {
        if (!this.refs.has(g * 2 + (rc ? 1 : 0))) {
          const sid = this.groupStreams(g).ref;
          if (sid >= 0 && this.table.sizes[sid].length > 0) need.push(this.span(sid, 0));
        }
        if (id === 0) continue;
      }
      const partNo = Math.floor((g >= NO_RAW_GROUPS ? id - 1 : id) / P);
      if (this.packs.has(g * 4294967296 + partNo)) continue;
      const sid = this.groupStreams(g).delta;
      if (sid >= 0 && partNo < this.table.sizes[sid].length) need.push(this.span(sid, partNo));
    }
    return this.spans.ensure(need);
  }

  private readonly streamIds = new Map<number, { ref: number; delta: number }>();

  private groupStreams(g: number): { ref: number; delta: number } {
    let s = this.streamIds.get(g);
    if (!s) {
      const names = groupStreamNames(g);
      s = { ref: this.streamId(names.ref), delta: this.streamId(names.delta) };
      this.streamIds.set(g, s);
    }
    return s;
  }

  private reference(g: number, rc: boolean): Uint8Array {
    const key = g * 2 + (rc ? 1 : 0);
    let r = this.refs.get(key);
    if (r) return r;
    const sid = this.groupStreams(g).ref;
    if (sid < 0 || this.table.sizes[sid].length < 1) throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g} has no reference`);
    const part = this.part(sid, 0);
    try {
      r = decodeReferencePart(part.data, part.metadata, this.decompress, rc ? CODE_TO_COMPLEMENT_LETTER : CODE_TO_LETTER, rc);
    } catch (e) {
      throw new AgcCorruptError(`${this.path}: corrupted archive: reference of group ${g}: ${(e as Error).message}`);
    }
    this.refs.set(key, r, r.byteLength);
    return r;
  }

  private pack(g: number, partNo: number): Pack {
    const key = g * 4294967296 + partNo;
    let p = this.packs.get(key);
    if (p) return p;
    const sid = this.groupStreams(g).delta;
    if (sid < 0 || partNo >= this.table.sizes[sid].length) throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g} has no pack ${partNo}`);
    const part = this.part(sid, partNo);
    try {
      p = unpackPart(part.data, part.metadata, this.decompress);
    } catch (e) {
      throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g}, pack ${partNo}: ${(e as Error).message}`);
    }
    this.packs.set(key, p, p.byteSize);
    return p;
  }

  private segmentKey(g: number, inGroupId: number, rc: boolean): number | string {
    return g < 2097152 && inGroupId < 2147483648 ? g * 4294967296 + inGroupId * 2 + (rc ? 1 : 0) : `${g}:${inGroupId}:${rc ? 1 : 0}`;
  }

  /** Decoded, oriented letters of a segment (cached). */
  private orientedSegment(g: number, inGroupId: number, n: number, rc: boolean): Uint8Array {
    if (g >= NO_RAW_GROUPS && inGroupId === 0) {
      const ref = this.reference(g, rc);
      if (ref.length !== n) throw new AgcCorruptError(`${this.path}: corrupted archive: reference of group ${g} has ${ref.length} symbols, expected ${n}`);
      return ref;
    }
    const key = this.segmentKey(g, inGroupId, rc);
    const hit = this.segments.get(key);
    if (hit) return hit;
    const seg = new Uint8Array(n);
    const P = this.params.packCardinality;
    const symbols = rc ? CODE_TO_COMPLEMENT_LETTER : CODE_TO_LETTER;
    try {
      if (g < NO_RAW_GROUPS) {
        const entry = this.pack(g, Math.floor(inGroupId / P)).entry(inGroupId % P);
        if (entry.length !== n) throw new Error(`raw segment has ${entry.length} symbols, expected ${n}`);
        rawEntryInto(entry, symbols, seg, 0, rc);
      } else {
        const k = inGroupId - 1;
        const entry = this.pack(g, Math.floor(k / P)).entry(k % P);
        lzDiffDecodeInto(this.reference(g, rc), entry, this.params.minMatchLength, symbols, seg, 0, n, rc, undefined);
      }
    } catch (e) {
      if (e instanceof AgcError) throw e;
      throw new AgcCorruptError(`${this.path}: corrupted archive: group ${g}, segment ${inGroupId}: ${(e as Error).message}`);
    }
    this.segments.set(key, seg, seg.byteLength);
    return seg;
  }
}
