// The compressor pipeline (docs/format.md 7.4, 7.7): batches of contigs are segmented against
// the state frozen at the batch start, then the registration stage sorts the batch canonically,
// numbers new groups, spreads raw segments, stores every group's segments and writes the batch's
// parts. Closing writes the metadata streams in upstream's order. Used by create and append.
import { CppArchive } from '../native/cpp-archive.js';
import { CppCollection, PlacementBuffer } from '../native/cpp-collection.js';
import { AgcError, AgcErrorCode, AgcInputError } from '../errors.js';
import { FastaScratch, readFastaContigs, type FastaReadOptions } from '../fasta/read-fasta.js';
import { decodeName } from '../format/names.js';
import { referenceSplitters } from '../native/kmer.js';
import { CompressPool, inPackOrder, takePackJobs, timedStep, type BatchResult, type OrderedPart, type PackLists, type RefJobs } from './workers/pool.js';
import { NO_RAW_GROUPS, RAW_VIEW, RefView, type GroupPart, type PackedGroupInit } from './group-store.js';
import { GroupingState, decideSegment, type FallbackLookup, type GroupingParams, type KmerEnd } from './grouping.js';
import { type SortedKmers } from './kmer/kmer-set.js';
import { SplitterSet, segmentContig } from './segmentation.js';
import { SharedArena } from './workers/shared-arena.js';
import type { SharedLzData } from './lz-diff-encode.js';
import { collectGarbage } from './collect-garbage.js';
import { PIECE_WORDS, RESULT_WORDS, allDecided, buildDecideJobs, pushView, snapshotOf, takeDecideJobs, type DecideJobsMessage } from './workers/decide-jobs.js';
import { reverseComplementCodes } from './native-scans.js';
import { groupStreamNames } from '../format/segment-decode.js';
import {
  FallbackFilter,
  FallbackMap,
  FallbackRecords,
  addFallbackKmers,
  applyFallbackRecords,
  SortedMiningReference,
  findCandidates,
  findSplittersInContig,
  newWalkResult,
  walkNewSplitters,
  type MiningReference,
  type WalkResult,
} from './splitters.js';
import { zstdDecompress } from '../native/zstd.js';
import { LZ_STEP } from './group-store.js';
import { now, threadSteps, type StepTimes } from './stage-stats.js';

// Main-thread step names of the stage table (--stats).
const STEP_READ = 'read/parse FASTA';
const STEP_SEGMENT = 'segmentation';
const STEP_DECIDE = 'decisions (k-mer lookups)';
const STEP_REGISTER = 'registration';
const STEP_REFS = 'reference encoding';
const STEP_WAIT = 'waiting for workers';
const STEP_WAIT_DECIDE = 'waiting for decisions';
const STEP_MINE = 'new splitters (adaptive)';
/** Recorded segments handed to the workers at a time (between contigs). */
const DECIDE_CHUNK = 32;
const STEP_WRITE = 'placements, parts, flush';

/** Compression parameters (stored ones: k, L, PC, S). */
export interface CompressorParams {
  k: number;
  minMatchLen: number;
  packCardinality: number;
  segmentSize: number;
  adaptive: boolean;
  concatenated: boolean;
  fallbackFrac: number;
  /** Replacement IUPAC letter for non-IUPAC letters in the input (undefined: they are an error). */
  invalidBase?: string;
}

/** Per-run counters for the summary. */
export interface CompressorStats {
  contigs: number;
  segments: number;
  /** Sequence symbols read. */
  bases: number;
}

/** Progress callback: bases processed so far. */
export type ProgressFn = (info: { file: string; basesDone: number }) => void;

/** The file_type_info map upstream 3.2.2 writes (sorted by key when serialised). */
export const FILE_TYPE_INFO: ReadonlyMap<string, string> = new Map([
  ['comment', 'AGC (Assembled Genomes Compressor) v. 3.2.2 [build 20260326.1]'],
  ['file_version_major', '3'],
  ['file_version_minor', '0'],
  ['producer', 'agc'],
  ['producer_version_build', '20260326.1'],
  ['producer_version_major', '3'],
  ['producer_version_minor', '2'],
]);

/** A contig of the current batch; `rank` orders by (sample, contig) bytes at registration. */
interface ContigRef {
  sample: string;
  name: string;
  rank: number;
}

/** One segment waiting for the registration stage. */
interface Entry {
  c: ContigRef;
  part: number;
  data: Uint8Array;
  len: number;
  rc: boolean;
  a: bigint;
  b: bigint;
}

const cmpEntries = (x: Entry, y: Entry): number => x.c.rank - y.c.rank || x.part - y.part;
const join = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);
const halves = (x: bigint): [number, number] => [Number(x >> 32n), Number(x & 0xffffffffn)];
const EMPTY = new Uint8Array(0);
const EMPTY_WORDS = new Uint32Array(0);
/**
 * Input bases between two full collections at batch ends (a few ms each): a batch leaves dead
 * buffers in proportion to its input (reference tuples, zstd output, parts already written) that
 * V8 would otherwise keep through the next batches, as the hot loops allocate little JavaScript.
 */
const GC_INPUT = 4 << 20;
/**
 * Batches stored by the workers while the main thread reads on: a worker that is done with its
 * part of a batch goes on with the next one instead of waiting at the batch end for the other
 * workers and for the main thread's registration, and the main thread reads ahead through a
 * batch whose full packs take the workers long. Bounded by input bytes (the batches' contigs stay
 * in shared memory until stored): batches of a few Mbp or more keep one in flight, as before. Many
 * small samples (150 x 1 Mbp) are where the batch ends cost: -t 2 workers idle 12-14% of the time
 * with one batch in flight, 2% with several. klebsiella-8 (5 Mbp samples) gains nothing from a
 * second batch (its workers are busy 92% either way, mostly in the close stage) and would keep
 * 6-8 MiB more. At -t 1 the main thread compresses packs itself while it waits for the worker,
 * and several batches in flight left the 150 x 1 Mbp wall as it was, with 8 MiB more.
 */
const INFLIGHT_BYTES = 8 << 20;
const INFLIGHT_BATCHES = 6;

/**
 * Rather than wait for a batch's store, compress its full packs with the workers until all are
 * taken (the lists arrive as each worker gets to them); returns the result, the parts made here
 * and the time spent making them.
 */
async function helpWithPacks(f: Inflight): Promise<{ r: BatchResult; mine: OrderedPart[]; helped: number }> {
  const mine: OrderedPart[] = [];
  let taken = 0;
  let helped = 0;
  for (;;) {
    const t = now();
    while (taken < f.packs.lists.length) mine.push(...takePackJobs(f.packs.lists[taken++]!));
    helped += now() - t;
    const r = await Promise.race([f.result, f.packs.next().then(() => null)]);
    if (r !== null) return { r, mine, helped };
  }
}

/** A batch whose segments are being stored by the workers. */
interface Inflight {
  result: Promise<BatchResult>;
  /** Reference parts of the batch's new groups, shared with the workers. */
  refJobs: RefJobs;
  /** Reference parts the main thread encoded itself. */
  refParts: Array<{ group: number; part: GroupPart }>;
  /** The workers' full packs, announced as each worker gets to them. */
  packs: PackLists;
  groups: number[];
  lists: Entry[][];
  /** Registered samples when the batch was closed (the -c accounting reads it). */
  samplesAtEnd: number;
  /** The batch's shared memory, reusable once the batch is stored. */
  arena: SharedArena;
  /** Input bases of the batch (see INFLIGHT_BYTES). */
  bases: number;
}

/** State shared by create and append, and the batch machinery. */
export class Compressor {
  readonly params: CompressorParams;
  readonly archive: CppArchive;
  readonly collection: CppCollection;
  readonly state = new GroupingState();
  readonly stats: CompressorStats = { contigs: 0, segments: 0, bases: 0 };
  onProgress: ProgressFn | null = null;
  /** Checked between contigs; aborting throws the signal's reason. */
  signal: AbortSignal | null = null;
  /** Store worker threads. */
  readonly threads: number;

  private readonly gp: GroupingParams;
  private readonly fb: FallbackLookup;
  private readonly splitters: SplitterSet;
  /** The reference's k-mers as adaptive mining subtracts them (null without -a). */
  private readonly miner: MiningReference | null;
  private readonly pendingFallback = new FallbackRecords();
  private mined: WalkResult = newWalkResult();

  private readonly pool: CompressPool;
  private numGroupsValue = 0;
  private readonly streamIds: Array<{ r: number; d: number }> = [];
  /** Append: views of groups not touched yet in this run. */
  private readonly packedViews = new Map<number, RefView>();

  // Current batch.
  private readonly known = new Map<number, Entry[]>();
  private newEntries: Entry[] = [];
  private deferred: Array<{ c: ContigRef; seq: Uint8Array }> = [];
  private batchContigs: ContigRef[] = [];
  /** Batches being stored, oldest first. */
  private readonly inflight: Inflight[] = [];
  private inflightBases = 0;
  /** Input bases when the current batch started. */
  private basesAtBatchStart = 0;
  /** Shared memory of the batch being read; batches in flight keep theirs until stored. */
  private arena = new SharedArena();
  private readonly freeArenas: SharedArena[] = [];
  private readonly alloc = (n: number): Uint8Array => this.arena.alloc(n);
  /**
   * Reader buffers shared by all input files (no garbage per contig or read chunk). Contigs are
   * decoded straight into the current batch's arena, where their segments reach the workers.
   */
  private readonly scratch = this.newScratch();

  /**
   * Decisions shared out between the workers and the main thread (-t 2 and more): segments are
   * only recorded while reading, and decided at the end of the batch (decide-jobs.ts). The results,
   * registered in recording order, are the same as deciding each segment at once: every decision
   * reads the state frozen at the batch start (fallback records, too, become visible only at the
   * batch end; the entries adaptive mining adds mid-batch are empty, so no lookup sees them).
   */
  private readonly parallelDecisions: boolean;
  private decisionsSynced = false;
  /** Recorded segments not yet handed out, and their segmentation calls (contig, segment count) in order. */
  private unposted: Array<{ seg: Uint8Array; front: KmerEnd; back: KmerEnd }> = [];
  private unpostedCalls: Array<{ c: ContigRef; n: number }> = [];
  /** Decision jobs handed out in this batch, in order. */
  private posted: Array<{ jobs: DecideJobsMessage; replies: Promise<void>; calls: Array<{ c: ContigRef; n: number }> }> = [];

  private processedSamples: number;
  /** Input bases when the last collection between batches ran (see GC_INPUT). */
  private basesAtLastGc = 0;
  private cntContigsInBatch: number;
  private readonly fileTypeInfo: ReadonlyMap<string, string>;

  constructor(init: {
    params: CompressorParams;
    archive: CppArchive;
    collection: CppCollection;
    splitters: SplitterSet;
    candidates: { singletons: SortedKmers; duplicates: SortedKmers } | null;
    /** Adaptive mining's reference, when not given as `candidates`. */
    miner?: MiningReference | null;
    fallbackMap: FallbackMap;
    fallbackRecords?: FallbackRecords;
    existingSamples: number;
    fileTypeInfo?: ReadonlyMap<string, string>;
    /** Store workers; the compressor owns them from now on (dispose() stops them). */
    pool: CompressPool;
  }) {
    this.pool = init.pool;
    this.threads = init.pool.threads;
    const p = init.params;
    this.params = p;
    this.archive = init.archive;
    this.collection = init.collection;
    this.splitters = init.splitters;
    this.miner = init.miner ?? (init.candidates ? new SortedMiningReference(init.candidates.singletons, init.candidates.duplicates) : null);
    this.gp = { k: p.k, segmentSize: p.segmentSize, concatenated: p.concatenated, adaptive: p.adaptive };
    this.fb = { filter: new FallbackFilter(p.fallbackFrac), map: init.fallbackMap };
    this.parallelDecisions = init.pool.threads >= 2;
    if (init.fallbackRecords) this.pendingFallback.append(init.fallbackRecords);
    this.processedSamples = init.existingSamples;
    this.cntContigsInBatch = p.concatenated ? init.existingSamples % p.packCardinality : 0;
    this.fileTypeInfo = init.fileTypeInfo ?? FILE_TYPE_INFO;
  }

  /** Create mode: register x0d..xFd and give every raw group its 0x7F dummy (6.3 step 2). */
  initRawGroups(): void {
    for (let g = 0; g < NO_RAW_GROUPS; g++) {
      const d = this.archive.registerStream(groupStreamNames(g).delta);
      this.streamIds[g] = { r: -1, d };
      this.state.groups[g] = RAW_VIEW;
    }
    this.pool.initRawGroups(NO_RAW_GROUPS);
    this.numGroupsValue = NO_RAW_GROUPS;
  }

  /** Append mode: continue group `id` of the input archive (its streams already registered). */
  adoptGroup(id: number, init: PackedGroupInit, streams: { r: number; d: number }): void {
    if (id !== this.numGroupsValue) throw new AgcError(AgcErrorCode.INTERNAL, `internal: groups must be adopted in order (${id})`);
    this.streamIds[id] = streams;
    if (id < NO_RAW_GROUPS) this.state.groups[id] = RAW_VIEW;
    else {
      // Shareable at any thread count: the store worker encodes with this view's coder (see endBatch).
      const v = RefView.packed(init.ref, this.params.minMatchLen, true);
      this.state.groups[id] = v;
      this.packedViews.set(id, v);
    }
    this.pool.adopt(id, init);
    this.numGroupsValue++;
  }

  /** Step times the store workers reported (stage table). */
  get workerSteps(): StepTimes {
    return this.pool.steps;
  }

  /** Number of groups so far. */
  get numGroups(): number {
    return this.numGroupsValue;
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /**
   * Compress one input file as sample `sample` (a binary string, see format/names.ts; ignored in
   * -c mode); returns the number of contigs.
   */
  async addFile(sample: string, path: string): Promise<number> {
    const concat = this.params.concatenated;
    this.collection.resetPrevSampleName();
    let added = false;
    let bases = 0;
    let count = 0;
    // Record number of each name: a repeated name would mix the placements of two records.
    const seen = new Map<string, number>();
    // Names go to the collection as binary strings (their bytes, see format/names.ts); `sample`
    // is one already. `shown` is the decoded form for messages.
    let t = now();
    // `seq` is already in the batch's arena (see newScratch).
    for await (const { name: shown, rawName: name, seq } of readFastaContigs(path, { ...strictFasta(this.params), scratch: this.scratch })) {
      threadSteps.add(STEP_READ, now() - t);
      this.signal?.throwIfAborted();
      if (seq.length === 0) throw new AgcInputError(`${path}: record "${shown}" has no sequence`);
      const first = seen.get(name);
      if (first !== undefined) throw new AgcInputError(`${path}: records ${first} and ${count + 1} have the same name "${shown}"`);
      seen.set(name, count + 1);
      const s = concat ? '' : sample;
      if (!this.collection.registerSampleContig(s, name)) {
        const shown = decodeName(concat ? shortName(name) : sample);
        throw new AgcInputError(`${path}: sample name "${shown}" is already in the archive`);
      }
      added = true;
      count++;
      this.stats.contigs++;
      this.stats.bases += seq.length;
      bases += seq.length;
      this.processContig(this.contigRef(s, name), seq, true);
      this.onProgress?.({ file: path, basesDone: bases });
      if (concat && ++this.cntContigsInBatch >= this.params.packCardinality) {
        await this.endBatch();
        this.cntContigsInBatch = 0;
      }
      t = now();
    }
    threadSteps.add(STEP_READ, now() - t);
    if (!concat && added) await this.endBatch();
    return count;
  }

  /** After the last file: the unconditional -c batch and the last collection batch (6.3 step 4). */
  async finishInput(): Promise<void> {
    const PC = this.params.packCardinality;
    if (this.params.concatenated) {
      await this.endBatch();
      this.cntContigsInBatch = 0;
    }
    await this.finalizeAll();
    if (this.params.concatenated) this.processedSamples = this.collection.numSamples;
    if (this.processedSamples % PC !== 0) this.collection.storeContigBatch(Math.floor(this.processedSamples / PC) * PC, this.processedSamples);
    this.archive.flush();
  }

  private newScratch(): FastaScratch {
    const scratch = new FastaScratch();
    // The only copy of each contig is in shared memory (its segments reach the store workers as
    // views), decoded there by the reader: no reader buffer as long as the longest contig beside it
    // (klebsiella-8: 5 MiB of peak RSS; a chromosome-scale input: a whole chromosome). The arena
    // is looked up at each call, as it changes at batch ends.
    scratch.store = {
      open: (min) => this.arena.open(min),
      grow: (buf, used, min) => this.arena.grow(buf, used, min),
      close: (buf, len) => this.arena.close(buf, len),
    };
    return scratch;
  }

  private contigRef(sample: string, name: string): ContigRef {
    const c: ContigRef = { sample, name, rank: 0 };
    this.batchContigs.push(c);
    return c;
  }

  /** Segment a contig into the current batch (first pass may defer it in adaptive mode). */
  private processContig(c: ContigRef, seq: Uint8Array, firstPass: boolean): void {
    const { k, adaptive } = this.params;
    const t0 = now();
    let decideMs = 0;
    const jobs: Array<{ seg: Uint8Array; front: KmerEnd; back: KmerEnd }> = [];
    const record = (_part: number, seg: Uint8Array, front: KmerEnd, back: KmerEnd): number => {
      jobs.push({ seg, front, back });
      return 1;
    };
    const sink = (part: number, seg: Uint8Array, front: KmerEnd, back: KmerEnd): number => {
      const td = now();
      const lz0 = threadSteps.ms.get(LZ_STEP) ?? 0;
      const ds = decideSegment(this.state, this.gp, this.fb, seg, front, back, this.alloc);
      const dt = now() - td;
      decideMs += dt;
      threadSteps.add(STEP_DECIDE, dt - ((threadSteps.ms.get(LZ_STEP) ?? 0) - lz0));
      for (let i = 0; i < ds.length; i++) {
        const d = ds[i]!;
        this.fileEntry({ c, part: part + i, data: d.data, len: d.data.length, rc: d.rc, a: d.a, b: d.b }, d.group);
      }
      return ds.length;
    };
    const done = segmentContig(seq, k, this.splitters, this.parallelDecisions ? record : sink, adaptive && firstPass);
    if (jobs.length > 0) {
      this.unposted.push(...jobs);
      this.unpostedCalls.push({ c, n: jobs.length });
      // Hand the jobs out while reading goes on: idle workers decide them at once.
      if (this.unposted.length >= DECIDE_CHUNK) this.postDecisions();
    }
    // No splitter in the contig: it waits for the batch's new splitters (mined at the batch end).
    if (!done) this.deferred.push({ c, seq });
    threadSteps.add(STEP_SEGMENT, now() - t0 - decideMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Registration and store (4.4)

  /**
   * End of a batch: registration (sort, new groups, raw spreading, fallback records), then the
   * store stage is handed to the workers. Earlier batches are completed first only as far as
   * INFLIGHT_BYTES requires: this batch's segmentation overlapped with their storing, and the
   * workers queue this one behind them (registration reads nothing the store stage makes).
   */
  private async endBatch(): Promise<void> {
    const p = this.params;
    // Adaptive: new splitters become visible, then the deferred contigs are segmented (2.5).
    if (p.adaptive) {
      // The last recorded segments go to the workers first: they decide them during the mining.
      if (this.parallelDecisions) this.postDecisions();
      await this.mineDeferred();
      const m = this.mined;
      for (let i = 0; i < m.splitters.length; i++) this.splitters.add(m.splitters.hi[i]!, m.splitters.lo[i]!);
      this.pendingFallback.append(m.fallback);
      this.mined = newWalkResult();
      const deferred = this.deferred;
      this.deferred = [];
      for (const { c, seq } of deferred) this.processContig(c, seq, false);
    }
    if (this.parallelDecisions) await this.decideRecorded();

    const bases = this.stats.bases - this.basesAtBatchStart;
    this.basesAtBatchStart = this.stats.bases;
    const most = this.threads >= 2 ? INFLIGHT_BATCHES : 1;
    while (this.inflight.length >= most || (this.inflight.length > 0 && this.inflightBases + bases > INFLIGHT_BYTES)) await this.finalizeOldest();
    if (this.stats.bases - this.basesAtLastGc >= GC_INPUT) {
      collectGarbage();
      this.basesAtLastGc = this.stats.bases;
    }

    const t0 = now();
    this.rankContigs();
    this.batchContigs = [];

    // 1. sort known lists
    const lists = this.known;
    for (const list of lists.values()) list.sort(cmpEntries);

    // 2. new groups, numbered by first occurrence of their key in sorted order
    const newList = this.newEntries.sort(cmpEntries);
    this.newEntries = [];
    const firstId = this.numGroupsValue;
    let nextId = firstId;
    const idOfKey = new Map<bigint, number>();
    let prev: Entry | null = null;
    for (const e of newList) {
      if (prev !== null && cmpEntries(prev, e) === 0) continue; // std::set drops equal keys
      prev = e;
      const key = (e.a << 64n) | e.b;
      let id = idOfKey.get(key);
      if (id === undefined) {
        id = nextId++;
        idOfKey.set(key, id);
        lists.set(id, []);
      }
      lists.get(id)!.push(e);
    }
    for (let g = firstId; g < nextId; g++) {
      const names = groupStreamNames(g);
      const r = this.archive.registerStream(names.ref);
      const d = this.archive.registerStream(names.delta);
      this.streamIds[g] = { r, d };
    }
    this.numGroupsValue = nextId;

    // 3. spread raw group 0 over groups 0..15
    const raw0 = lists.get(0);
    if (raw0 !== undefined && raw0.length > 0) {
      const n = raw0.length;
      let moved = 0;
      for (let i = 0; i < n; i++) if (i % NO_RAW_GROUPS !== 0) moved++;
      for (let j = 0; j < moved; j++) {
        const dest = 1 + (j % (NO_RAW_GROUPS - 1));
        let list = lists.get(dest);
        if (list === undefined) lists.set(dest, (list = []));
        list.push(raw0[j]!);
      }
      lists.set(0, raw0.slice(moved));
    }

    // 4. pending fallback records become visible from the next batch on (in the replicas too)
    applyFallbackRecords(this.fb.map, this.pendingFallback);
    const syncFallback = this.decisionsSynced ? this.pendingFallback.data.slice(0, 7 * this.pendingFallback.length) : EMPTY_WORDS;
    this.pendingFallback.clear();

    // 5. store: the frozen state of the next batch is known now (new keys and references, groups
    // unpacked by their first segment); the workers store in the background.
    const groups = [...lists.keys()].filter((g) => lists.get(g)!.length > 0).sort((x, y) => x - y);
    const entryLists = groups.map((g) => lists.get(g)!);
    const refs: Array<{ group: number; data: Uint8Array; coder: SharedLzData | null }> = [];
    const unpacked: Array<{ group: number; coder: SharedLzData }> = [];
    const syncKeys: number[] = [];
    const syncIds: number[] = [];
    const syncPadded: Uint8Array[] = [];
    const syncIndex: Int32Array[] = [];
    // The coders of the batch's new and first touched groups, their indexes built together on the
    // -t threads (the workers wait for this registration, so their cores are free).
    const coders = new Map<number, RefView>();
    groups.forEach((g, i) => {
      if (g >= firstId) coders.set(g, new RefView(entryLists[i]![0]!.data, p.minMatchLen, true));
      else this.packedViews.get(g)?.touch(zstdDecompress);
    });
    RefView.buildIndexes([...coders.values(), ...groups.flatMap((g) => this.packedViews.get(g) ?? [])], Math.min(4, this.threads));
    groups.forEach((g, i) => {
      const list = entryLists[i]!;
      if (g >= firstId) {
        // The coder (reference copy and LZ-diff index) lives in shared memory: the decisions of
        // every thread and the worker that encodes the group's deltas all use this one.
        const v = coders.get(g)!;
        refs.push({ group: g, data: list[0]!.data, coder: v.sharedData() });
        this.state.groups[g] = v;
        this.state.addGroupKey(list[0]!.a, list[0]!.b, g);
        if (this.decisionsSynced) {
          syncKeys.push(...halves(list[0]!.a), ...halves(list[0]!.b), g);
          pushView(g, v.sharedData()!, syncIds, syncPadded, syncIndex);
        }
      } else {
        const v = this.packedViews.get(g);
        if (v !== undefined) {
          v.touch(zstdDecompress);
          this.packedViews.delete(g);
          const d = v.sharedData();
          if (d) unpacked.push({ group: g, coder: d });
          if (d && this.decisionsSynced) pushView(g, d, syncIds, syncPadded, syncIndex);
        }
      }
      this.stats.segments += list.length;
    });
    if (this.decisionsSynced) {
      this.pool.syncDecisions(this.gp, this.params.fallbackFrac, {
        keys: Uint32Array.from(syncKeys),
        viewIds: Uint32Array.from(syncIds),
        padded: syncPadded,
        index: syncIndex,
        numGroups: this.numGroupsValue,
        fallback: syncFallback,
      });
    }
    lists.clear();
    refs.sort((x, y) => y.data.length - x.data.length || x.group - y.group); // largest first: short tail
    const { result, refs: refJobs, packs } = this.pool.submit({ groups, entries: entryLists.map((l) => l.map((e) => e.data)), refs, unpacked });
    result.catch(() => undefined); // awaited in finalizeOldest; avoid an unhandled rejection meanwhile
    for (const list of entryLists) for (const e of list) e.data = EMPTY;
    const f: Inflight = { result, refJobs, refParts: [], packs, groups, lists: entryLists, samplesAtEnd: this.collection.numSamples, arena: this.arena, bases };
    this.inflight.push(f);
    this.inflightBases += bases;
    this.arena = this.freeArenas.pop() ?? new SharedArena();
    threadSteps.add(STEP_REGISTER, now() - t0);
    // With one worker the main thread has time to spare: encode references now, in parallel with
    // the worker's deltas. With more workers the main thread is the busier one; it helps only when
    // it would otherwise wait (finalizeOldest).
    if (this.threads === 1) {
      const parts = timedStep(STEP_REFS, () => refJobs.takeAll());
      f.refParts.push(...parts);
    }
  }

  /**
   * find_new_splitters for the batch's deferred contigs of at least S symbols, in order (2.5): the
   * candidates of every contig come from one call (one scan of the reference). Mining at the batch
   * end gives what mining each contig as it is read would: the results become visible only now,
   * and the empty fallback entries that mining would add change no lookup, so none are added.
   */
  private async mineDeferred(): Promise<void> {
    const S = this.params.segmentSize;
    const seqs = this.deferred.filter((d) => d.seq.length >= S).map((d) => d.seq);
    if (seqs.length === 0 || this.miner === null) return;
    const t = now();
    if (this.miner.ready) await this.miner.ready();
    if (this.miner.mineSplitters) this.miner.mineSplitters(seqs, this.params.k, S, this.fb.filter, this.mined);
    else {
      const own = this.miner.newSingletons(seqs, this.params.k);
      seqs.forEach((seq, i) => walkNewSplitters(seq, this.params.k, S, own[i]!, { filter: this.fb.filter }, this.mined));
    }
    threadSteps.add(STEP_MINE, now() - t);
  }

  /** A decided piece joins its known group's list, or the batch's new keys (group -1). */
  private fileEntry(e: Entry, group: number): void {
    if (group < 0) {
      this.newEntries.push(e);
      return;
    }
    let list = this.known.get(group);
    if (list === undefined) this.known.set(group, (list = []));
    list.push(e);
  }

  /** Hand the recorded segments to the workers (the state goes first, once). */
  private postDecisions(): void {
    if (this.unposted.length === 0) return;
    if (!this.decisionsSynced) {
      this.pool.syncDecisions(this.gp, this.params.fallbackFrac, snapshotOf(this.state, this.fb.map));
      this.decisionsSynced = true;
    }
    const jobs = buildDecideJobs(this.unposted);
    const replies = this.pool.decide(jobs);
    replies.catch(() => undefined); // raced in decideRecorded
    this.posted.push({ jobs, replies, calls: this.unpostedCalls });
    this.unposted = [];
    this.unpostedCalls = [];
  }

  /**
   * End of the batch: the main thread decides what no worker has taken yet, then the results are
   * filed as the segment sink would have filed them, in recording order.
   */
  private async decideRecorded(): Promise<void> {
    this.postDecisions();
    const posted = this.posted;
    this.posted = [];
    for (const { jobs, replies, calls } of posted) {
      const t0 = now();
      const lz0 = threadSteps.ms.get(LZ_STEP) ?? 0;
      takeDecideJobs(jobs, this.state, this.gp, this.fb);
      threadSteps.add(STEP_DECIDE, now() - t0 - ((threadSteps.ms.get(LZ_STEP) ?? 0) - lz0));
      const t1 = now();
      await allDecided(jobs, replies);
      threadSteps.add(STEP_WAIT_DECIDE, now() - t1);
      this.fileDecisions(jobs, calls);
    }
  }

  private fileDecisions(jobs: DecideJobsMessage, calls: Array<{ c: ContigRef; n: number }>): void {
    const pc = new Uint32Array(jobs.results);
    let j = 0;
    for (const { c, n: segments } of calls) {
      let part = 0;
      for (let s = 0; s < segments; s++, j++) {
        const seg = new Uint8Array(jobs.buffers[jobs.where[3 * j]!]!, jobs.where[3 * j + 1]!, jobs.where[3 * j + 2]!);
        const count = pc[RESULT_WORDS * j]!;
        if (count < 1 || count > 2) throw new AgcError(AgcErrorCode.INTERNAL, `internal: segment ${j} of the batch was not decided`);
        for (let i = 0; i < count; i++) {
          const o = RESULT_WORDS * j + 1 + PIECE_WORDS * i;
          const piece = seg.subarray(pc[o + 6]!, pc[o + 7]!);
          const rc = pc[o + 5] === 1;
          const data = rc ? reverseComplementCodes(piece, this.alloc(piece.length)) : piece;
          const group = pc[o + 4] === 0xffffffff ? -1 : pc[o + 4]!;
          this.fileEntry({ c, part: part + i, data, len: data.length, rc, a: join(pc[o]!, pc[o + 1]!), b: join(pc[o + 2]!, pc[o + 3]!) }, group);
        }
        part += count;
      }
    }
  }

  /** Complete every batch in flight. */
  private async finalizeAll(): Promise<void> {
    while (this.inflight.length > 0) await this.finalizeOldest();
  }

  /** Complete the oldest batch in flight: placements, parts, collection batch, flush (6.3 c-e). */
  private async finalizeOldest(): Promise<void> {
    const f = this.inflight.shift();
    if (f === undefined) return;
    this.inflightBases -= f.bases;
    f.refParts.push(...timedStep(STEP_REFS, () => f.refJobs.takeAll()));
    let t = now();
    const { r, mine, helped } = this.pool.callerHelps ? await helpWithPacks(f) : { r: await f.result, mine: [], helped: 0 };
    threadSteps.add(STEP_WAIT, now() - t - helped); // the packs taken count as zstd
    t = now();
    // Every thread is done with the batch's segments: its shared memory can take a later batch.
    f.arena.reset();
    this.freeArenas.push(f.arena);
    const placements = new PlacementBuffer(1024);
    f.groups.forEach((g, i) => {
      const ids = r.ids.get(g)!;
      f.lists[i]!.forEach((e, j) => placements.add(e.c.sample, e.c.name, e.part, g, ids[j]!, e.len, e.rc));
    });
    for (const { group, part } of f.refParts) this.writePart(group, part);
    for (const { group, part } of inPackOrder([...r.parts, ...mine])) this.writePart(group, part);
    placements.flushTo(this.collection);

    const PC = this.params.packCardinality;
    if (!this.params.concatenated) this.processedSamples++;
    else {
      this.processedSamples = Math.floor(this.processedSamples / PC) * PC + PC;
      if (f.samplesAtEnd < this.processedSamples) this.processedSamples = f.samplesAtEnd;
    }
    if (this.processedSamples % PC === 0) this.collection.storeContigBatch(this.processedSamples - PC, this.processedSamples);
    this.archive.flush();
    threadSteps.add(STEP_WRITE, now() - t);
  }

  /** Give every contig of the batch its rank in (sample, contig) byte order. */
  private rankContigs(): void {
    const cs = this.batchContigs;
    const keyed = cs.map((c) => ({ c, s: Buffer.from(c.sample, 'utf8'), n: Buffer.from(c.name, 'utf8') }));
    keyed.sort((x, y) => Buffer.compare(x.s, y.s) || Buffer.compare(x.n, y.n));
    let rank = 0;
    for (let i = 0; i < keyed.length; i++) {
      if (i > 0 && (Buffer.compare(keyed[i - 1]!.s, keyed[i]!.s) !== 0 || Buffer.compare(keyed[i - 1]!.n, keyed[i]!.n) !== 0)) rank++;
      keyed[i]!.c.rank = rank;
    }
  }

  private writePart(g: number, part: GroupPart): void {
    const ids = this.streamIds[g]!;
    let sid = part.stream === 'r' ? ids.r : ids.d;
    if (sid < 0) {
      const names = groupStreamNames(g);
      sid = this.archive.registerStream(part.stream === 'r' ? names.ref : names.delta);
      if (part.stream === 'r') ids.r = sid;
      else ids.d = sid;
    }
    this.archive.addPartBuffered(sid, part.data, part.metadata);
  }

  /** Stop worker threads (idempotent). */
  async dispose(): Promise<void> {
    this.miner?.dispose?.();
    await this.pool.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Close (6.3 step 5)

  /** Finish all groups and write params, splitters, segment-splitters, samples, file_type_info. */
  async close(): Promise<void> {
    await this.finalizeAll();
    // No more segments to decide or batches to fill: the group views (reference copies, LZ indexes)
    // and the batch arenas can go before the close stage, the peak of memory use.
    this.state.groups.length = 0;
    this.freeArenas.length = 0;
    this.arena = new SharedArena();
    collectGarbage();
    for (const { group, part } of await this.pool.finish()) this.writePart(group, part);
    const t = now();
    this.archive.flush();

    const p = this.params;
    const params = new Uint8Array(16);
    const dv = new DataView(params.buffer);
    dv.setUint32(0, p.k, true);
    dv.setUint32(4, p.minMatchLen, true);
    dv.setUint32(8, p.packCardinality, true);
    dv.setUint32(12, p.segmentSize, true);
    this.archive.addPart(this.archive.registerStream('params'), params, 0);

    const sorted = this.splitters.toSorted();
    const n = sorted.size;
    const sp = new Uint8Array(8 * n);
    const sv = new DataView(sp.buffer);
    for (let i = 0; i < n; i++) {
      sv.setUint32(8 * i, sorted.lo[i]!, true);
      sv.setUint32(8 * i + 4, sorted.hi[i]!, true);
    }
    this.archive.addPart(this.archive.registerStream('splitters'), sp, n);

    const entries = this.state.sortedEntries();
    const ss = new Uint8Array(20 * entries.length);
    const ssv = new DataView(ss.buffer);
    entries.forEach(([a, b, id], i) => {
      ssv.setBigUint64(20 * i, a, true);
      ssv.setBigUint64(20 * i + 8, b, true);
      ssv.setUint32(20 * i + 16, id, true);
    });
    this.archive.addPart(this.archive.registerStream('segment-splitters'), ss, entries.length);

    this.collection.completeSerialization();

    const keys = [...this.fileTypeInfo.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const chunks: Buffer[] = [];
    for (const key of keys) chunks.push(Buffer.from(key, 'utf8'), Buffer.of(0), Buffer.from(this.fileTypeInfo.get(key)!, 'utf8'), Buffer.of(0));
    this.archive.addPart(this.archive.registerStream('file_type_info'), new Uint8Array(Buffer.concat(chunks)), keys.length);
    threadSteps.add('metadata streams', now() - t);
  }
}

/** Reader options of create/append: refuse input that upstream would store wrongly or unreadably. */
function strictFasta(p: CompressorParams): FastaReadOptions {
  return { emptyRecords: 'error', strictSyntax: true, invalidLetters: p.invalidBase ?? 'error' };
}

/** What splitter determination hands to the compressor. */
export interface SplitterSetup {
  splitters: SplitterSet;
  /** Reference candidates and D (adaptive mode only). */
  candidates: { singletons: SortedKmers; duplicates: SortedKmers } | null;
  fallbackMap: FallbackMap;
  /** Fallback records of the reference walk, applied at the end of batch 1. */
  fallbackRecords: FallbackRecords;
}

/**
 * Splitters from the reference file (2.2-2.3): singleton canonical k-mers of all contigs, then the
 * per-contig walk. The reference is read once and kept (one byte per symbol) for both passes.
 * Counting and, when nothing needs the candidates afterwards, the walk run in the addon, whose
 * in-place sort of one word per window is the phase's whole memory besides the contigs.
 * `threads` share the count and the walks: the store workers are still starting, so the phase
 * would leave the other cores idle.
 */
export async function determineSplitters(path: string, p: CompressorParams, threads = 1): Promise<SplitterSetup> {
  const nativeThreads = Math.max(1, Math.min(64, threads));
  const contigs: Uint8Array[] = [];
  let t = now();
  for await (const { seq } of readFastaContigs(path, strictFasta(p))) contigs.push(seq);
  threadSteps.add(STEP_READ, now() - t);
  collectGarbage(); // the reader's buffers, before the count's window array
  t = now();
  const filter = new FallbackFilter(p.fallbackFrac);
  const fallbackMap = new FallbackMap();
  let walk: WalkResult;
  let candidates: { singletons: SortedKmers; duplicates: SortedKmers } | null = null;
  if (!p.adaptive && !filter.enabled) {
    // The usual case: only the splitters are needed.
    const r = referenceSplitters(contigs, p.k, p.segmentSize, nativeThreads);
    walk = newWalkResult();
    walk.splitters.hi = r.hi;
    walk.splitters.lo = r.lo;
    walk.splitters.length = r.hi.length;
    threadSteps.add('k-mer count, splitter walk', now() - t);
  } else {
    const c = findCandidates(contigs, p.k, p.adaptive, nativeThreads);
    threadSteps.add('k-mer count', now() - t);
    t = now();
    addFallbackKmers(fallbackMap, c.singletons, filter);
    walk = newWalkResult();
    for (const seq of contigs) findSplittersInContig(seq, p.k, p.segmentSize, c.singletons, filter, walk);
    threadSteps.add('splitter walk', now() - t);
    if (p.adaptive) candidates = { singletons: c.singletons, duplicates: c.duplicates };
  }
  const splitters = new SplitterSet(p.k, Math.max(16, walk.splitters.length));
  for (let i = 0; i < walk.splitters.length; i++) splitters.add(walk.splitters.hi[i]!, walk.splitters.lo[i]!);
  return { splitters, candidates, fallbackMap, fallbackRecords: walk.fallback };
}

/** Contig name up to the first space, tab, CR or LF (upstream extract_contig_name). */
export function shortName(name: string): string {
  const m = /[ \t\r\n]/.exec(name);
  return m ? name.slice(0, m.index) : name;
}
