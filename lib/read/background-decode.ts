// The `prefetch` open's background work (native/segment.cc prefetchArchive): on a thread of the
// libuv pool, every reference and pack is read from the file and decompressed into one shared
// space at once, then the checkpoints of the packs' entries are made, while the JS thread answers
// queries. Random queries on a large archive spend most of their time in zstd, and a second core
// can do that ahead of them.
//
// Both threads claim a part by compare-and-swap on its state word, so each part is decoded once:
// in the background, or by the query that needs it first, which then decodes it as it would
// without prefetching (into the usual caches). A part the background could not decode (corrupt,
// or no room left) is left to the query, which reports any error as always.
import { native } from '../native/load.js';
import type { CppArchive } from '../native/cpp-archive.js';
import type { RangeIndex } from '../../binding.js';
import { LETTER_TABLES } from './range-kernels.js';

const PENDING = 0;
const DONE = 2;
const TAKEN = 3;
/** Words before the per-job words: stop flag, the space's allocation cursor, its full flag, one spare. */
const HEAD = 4;
/** Per job: state, offset, length, marker byte, offset and count of the 0xFF positions, checkpoint table. */
const JOB_WORDS = 7;
/** Numbers per job in the job list: file offset, size, kind (1: a pack of LZ-diff entries). */
const JOB_FIELDS = 3;
/**
 * The marker of a pack of LZ-diff entries kept in compact form (agc::LzDiffCompact): about half
 * the text's bytes, so half the fresh memory, which the kernel zeroes page by page at first use
 * (that zeroing cost this thread more than zstd did).
 */
export const COMPACT_PACK = 2;

export class BackgroundDecode {
  private readonly words: Int32Array;
  private readonly meta: Float64Array;
  private readonly space: Uint8Array;
  /** Job of (stream, part): jobOf[slot[sid] + part], -1 when the part is not decoded here. */
  private readonly jobOf: Int32Array;
  private readonly slot: Float64Array;
  /** Settles when the background thread stops (with the count of parts it decoded, 0 on failure). */
  readonly done: Promise<number>;
  /** Filled by claim(): the decoded part's metadata, marker byte and 0xFF positions (pack entry ends). */
  metadata = 0;
  marker = 0;
  ends: Uint32Array = new Uint32Array(0);
  /** The claimed part's job (see checkpoints()). */
  job = -1;
  private readonly path: string;
  private readonly fileSize: number;
  private readonly jobs: Float64Array;
  private readonly step: number;
  /** Parts decoded ahead on a pool thread per part a query decodes (native RangeIndex). */
  private readonly ahead: number;
  /** Whether a background thread reads the file (else the range index has the kernel read it ahead). */
  private readonly reading: boolean;

  private constructor(
    path: string,
    fileSize: number,
    jobs: Float64Array,
    jobOf: Int32Array,
    slot: Float64Array,
    budget: number,
    minMatchLen: number,
    step: number,
    run: boolean,
    ahead: number,
    hugePages: boolean,
  ) {
    this.jobOf = jobOf;
    this.slot = slot;
    this.path = path;
    this.fileSize = fileSize;
    this.jobs = jobs;
    this.step = step;
    this.ahead = ahead;
    this.reading = run;
    const n = jobs.length / JOB_FIELDS;
    this.words = new Int32Array(new SharedArrayBuffer(4 * (HEAD + JOB_WORDS * n)));
    this.meta = new Float64Array(new SharedArrayBuffer(8 * Math.max(1, n))).subarray(0, n);
    // Untouched pages cost address space only; what is decoded stays within the budget.
    this.space = new Uint8Array(new SharedArrayBuffer(Math.max(8, Math.min(budget, 0x7ffffff8))));
    // Huge pages for the space, read at random, only where one thread decodes into it at a time
    // (the caller's `hugePages`: one CPU). The kernel zeroes each 2 MiB page on first touch, and on
    // a VM whose free memory goes back to the host that zeroing was a quarter of the process's CPU
    // when run just after upstream's library, while a second thread decoded beside the queries
    // (8 x 60 Mbp, 10,000 random ranges, two CPUs, 20 alternations with upstream's library:
    // default open 11.6x -> 13.9x its rate, prefetch open 12.0x -> 15.1x). Alone on one CPU they
    // still pay (default open 0.92x the time; prefetch open 9.9x against 9.0x without).
    if (hugePages) native.adviseHugePages(this.space);
    this.done = run ? native.prefetchArchive(path, fileSize, jobs, this.space, this.words, this.meta, minMatchLen, step).catch(() => 0) : Promise.resolve(0);
  }

  /**
   * Starts reading the archive behind `archive` and decompressing the parts of the given group
   * streams, decoded into at most `budget` bytes. The packs of the streams in `compact` (packs of
   * LZ-diff entries) are kept in compact form (marker COMPACT_PACK). Without `run` (no
   * background thread) the range index decodes `ahead` parts on the pool per part its queries
   * decode.
   */
  static start(
    archive: CppArchive,
    path: string,
    streams: readonly number[],
    compact: ReadonlySet<number>,
    budget: number,
    minMatchLen: number,
    step: number,
    run = true,
    ahead = 0,
    hugePages = false,
  ): BackgroundDecode {
    // one native call for the part table (a call per part cost ~10 ms here)
    const table = archive.partTable();
    const count = archive.numStreams;
    const slot = new Float64Array(count + 1);
    for (let sid = 0; sid < count; sid++) slot[sid + 1] = slot[sid] + table[sid];
    const jobOf = new Int32Array(slot[count]).fill(-1);
    const spec = new Float64Array(JOB_FIELDS * slot[count]);
    let jobs = 0;
    for (const sid of streams) {
      // this stream's (offset, size) pairs follow the counts
      const at = count + 2 * slot[sid];
      const kind = compact.has(sid) ? 1 : 0;
      for (let p = 0, np = table[sid]; p < np; p++) {
        const size = table[at + 2 * p + 1];
        if (size < 2) continue;
        jobOf[slot[sid] + p] = jobs;
        spec[JOB_FIELDS * jobs] = table[at + 2 * p];
        spec[JOB_FIELDS * jobs + 1] = size;
        spec[JOB_FIELDS * jobs + 2] = kind;
        jobs++;
      }
    }
    return new BackgroundDecode(path, archive.fileSize, spec.slice(0, JOB_FIELDS * jobs), jobOf, slot, budget, minMatchLen, step, run, ahead, hugePages);
  }

  /**
   * The decoded bytes of part `p` of stream `sid` when the background has decoded them (its
   * metadata and marker byte then in `metadata` and `marker`); otherwise undefined, and a part
   * not started yet is claimed so that the background leaves it to the caller.
   */
  claim(sid: number, p: number): Uint8Array | undefined {
    if (!(sid >= 0 && sid + 1 < this.slot.length)) return undefined;
    const j = this.jobOf[this.slot[sid] + p];
    if (j === undefined || j < 0) return undefined;
    const w = HEAD + JOB_WORDS * j;
    let s = Atomics.load(this.words, w);
    if (s === PENDING) s = Atomics.compareExchange(this.words, w, PENDING, TAKEN);
    if (s !== DONE) return undefined;
    const at = this.words[w + 1];
    this.metadata = this.meta[j];
    this.marker = this.words[w + 3];
    this.ends = new Uint32Array(this.space.buffer, this.words[w + 4], this.words[w + 5]);
    this.job = j;
    return this.space.subarray(at, at + this.words[w + 2]);
  }

  /**
   * The checkpoints found in the background for entry e of the pack of job `job` (as claimed), or
   * undefined (none, or not yet: they are made after every part is decompressed).
   */
  checkpoints(job: number, e: number): Uint32Array | undefined {
    if (job < 0) return undefined;
    // the table's offset is published last, after the table
    const table = Atomics.load(this.words, HEAD + JOB_WORDS * job + 6);
    if (table < 0) return undefined;
    const at = new Uint32Array(this.space.buffer, table + 4 * e, 1)[0];
    if (at === 0) return undefined;
    const count = new Uint32Array(this.space.buffer, at, 1)[0];
    return new Uint32Array(this.space.buffer, at, 2 + 3 * count);
  }

  /**
   * The native index of the decoded parts for whole range queries (native RangeIndex), given
   * each group's reference and delta stream ids (`groupSids[2g]`, `groupSids[2g + 1]`; -1 for none).
   * Its queries decode parts the background has not reached into the same space.
   */
  rangeIndex(groupSids: Int32Array, packCardinality: number, minMatchLen: number, kmerLength: number): RangeIndex {
    const groups = new Int32Array(2 * groupSids.length).fill(-1);
    for (let i = 0; i < groupSids.length; i++) {
      const sid = groupSids[i];
      if (!(sid >= 0 && sid + 1 < this.slot.length)) continue;
      groups[2 * i] = this.slot[sid];
      groups[2 * i + 1] = this.slot[sid + 1] - this.slot[sid];
    }
    return new native.RangeIndex(
      this.space,
      this.words,
      this.meta,
      this.jobOf,
      groups,
      LETTER_TABLES,
      packCardinality,
      minMatchLen,
      kmerLength,
      this.path,
      this.fileSize,
      this.jobs,
      this.step,
      this.ahead,
      !this.reading,
    );
  }

  /** Asks the background thread to stop after its current part. */
  stop(): void {
    Atomics.store(this.words, 0, 1);
  }
}
