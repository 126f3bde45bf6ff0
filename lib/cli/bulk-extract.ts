// Bulk FASTA output of getcol/getset: the contigs of each unit (a sample), cut into pieces when
// long, in batches of about 0.5 Mbp that the addon decodes and formats on up to `threads` threads
// of the libuv pool (read/native-extract.ts), while the JS thread writes the finished batches in
// order. At most 2 x threads batches are decoded ahead of the writer, so memory stays bounded
// however large the collection or its contigs are. One batch more than `threads` is queued, and
// the addon runs `threads` of them at a time, in order: a pool thread then goes from one batch to
// the next without waiting for the JS thread. Batches, and the units' contigs, are described
// when they are about to start, not all up front: the first one then starts at once, and the JS
// thread describes the others while the pool decodes (on a small archive describing them all cost
// about as long as decoding the first batches).
import type { AgcArchive } from '../read/agc-archive.js';
import type { ContigLayout } from '../format/contig-layout.js';
import { type ContigPiece, type ExtractBatch, NativeExtractor, contigPieces } from '../read/native-extract.js';
import { AgcError, AgcErrorCode } from '../errors.js';
import type { WarmStart } from '../../binding.js';

/**
 * Symbols per batch: small enough that the last batches keep every thread busy until the end and
 * that the few reused output buffers stay small (fresh memory costs a page fault per 4 KiB), large
 * enough that the per-job overhead stays small. A longer contig is written in pieces of about
 * this size, except with `whole` (gzip members need whole records). Half a Mbp rather than one:
 * getset of one klebsiella sample (5.7 Mbp) 0.96x the wall time and 3 MiB less peak memory,
 * getcol -t 2 of all eight 0.94x and 9 MiB less; samples of 8 and 60 Mbp unchanged.
 */
const BATCH_SYMBOLS = 1 << 19;
/** Smallest output buffer (reused between batches). */
const MIN_BUFFER = 1 << 20;
/**
 * Budget of decoded parts when there is one unit. One sample needs most parts once, and a part it
 * needs again mostly a few parts later (getset of one of 24 x 8 Mbp: 252 part uses, 242 parts;
 * of one of 8 x 60 Mbp: 2,157 uses, 1,764 parts, 46 repeats more than 50 parts apart). Keeping
 * them all (the extractor's default) only held memory that every decode had to fault in afresh;
 * within this budget the addon decodes into the storage of the parts it dropped (getset of 8 x 60
 * Mbp: 38,400 page faults -> 12,400). Several units share parts (a pack holds the segments of
 * many samples), so they keep the default.
 */
const ONE_UNIT_CACHE = 8 << 20;

interface Job {
  /** Index of the unit the batch belongs to. */
  unit: number;
  batch: ExtractBatch;
  size: number;
  result?: Promise<Uint8Array>;
}

/** The contigs of each unit, asked for when its batches are described. */
export interface Units {
  readonly count: number;
  contigs(u: number): readonly ContigLayout[];
}

type Planned = { unit: number; pieces: ContigPiece[] } | { unit: number; error: unknown };

/**
 * The batches of the units in order, with the unit each belongs to (none for a unit without
 * contigs); a unit whose contigs cannot be read ends them with its error.
 */
function* batchPieces(units: Units, whole: boolean): Generator<Planned> {
  const max = whole ? Infinity : BATCH_SYMBOLS;
  for (let u = 0; u < units.count; u++) {
    let contigs: readonly ContigLayout[];
    try {
      contigs = units.contigs(u);
    } catch (error) {
      yield { unit: u, error };
      return;
    }
    let pieces: ContigPiece[] = [];
    let symbols = 0;
    for (const c of contigs)
      for (const p of contigPieces(c, max)) {
        pieces.push(p);
        symbols += c.starts[p.seg1] - c.starts[p.seg0];
        if (symbols >= BATCH_SYMBOLS) {
          yield { unit: u, pieces };
          pieces = [];
          symbols = 0;
        }
      }
    if (pieces.length) yield { unit: u, pieces };
  }
}

export class BulkExtraction {
  private readonly extractor: NativeExtractor;
  /** The jobs described so far, in output order. */
  private readonly jobs: Job[] = [];
  private readonly plan: Generator<Planned>;
  private planned = false;
  /** What describing a batch of `unit` threw: records(unit) throws it where that batch would come. */
  private failure: { unit: number; error: Error } | undefined;
  private queued = 0;
  /** Jobs queued and not yet over. */
  private inPool = 0;
  /**
   * Jobs queued beyond `threads`: 1, or 0 with `whole` (gzip), where a pool thread held by a
   * waiting job is one fewer for the compression.
   */
  private readonly ahead: number;
  private consumed = 0;
  private closed = false;
  private readonly pool: ArrayBuffer[] = [];

  /**
   * `units.contigs(u)` is called when the first batch of unit u is described (its failure comes
   * out of records() there). `whole`: every batch holds whole records (contigs), however long,
   * instead of pieces of about BATCH_SYMBOLS. `warm`: parts of the one unit decoded ahead, which
   * the extractor takes over (and closes in any case).
   */
  constructor(
    archive: AgcArchive,
    units: Units,
    private readonly lineLength: number,
    private readonly threads: number,
    whole = false,
    warm?: WarmStart,
  ) {
    // One unit: each pack is decoded only as far as the unit's entries (those of the samples
    // added after it are never asked for): getset of one of 24 x 8 Mbp 0.74x the time.
    const one = units.count === 1;
    this.extractor = new NativeExtractor(archive.extractionSource(), one ? ONE_UNIT_CACHE : undefined, threads, one, one ? warm : undefined);
    warm?.close();
    this.plan = batchPieces(units, whole);
    this.ahead = whole ? 0 : 1;
  }

  /** Job i, described now if it was not yet; undefined past the last one (or a failure). */
  private job(i: number): Job | undefined {
    while (i >= this.jobs.length && !this.planned) {
      const next = this.plan.next();
      if (next.done) {
        this.planned = true;
        break;
      }
      const { unit } = next.value;
      try {
        if ('error' in next.value) throw next.value.error;
        const batch = this.extractor.batch(next.value.pieces);
        this.jobs.push({ unit, batch, size: this.extractor.size(batch, this.lineLength) });
      } catch (e) {
        this.failure = { unit, error: e instanceof Error ? e : new Error(String(e)) };
        this.planned = true;
      }
    }
    return this.jobs[i];
  }

  /**
   * Queue jobs while the window allows, up to `threads` + `ahead` in the pool at a time: those
   * beyond `threads` wait on a pool thread of their own for their turn (see NativeExtractor), so
   * that they start as soon as a running one ends.
   */
  private pump(): void {
    const window = 2 * this.threads;
    while (!this.closed && this.queued < this.consumed + window && this.inPool < this.threads + this.ahead) {
      const job = this.job(this.queued);
      if (job === undefined) break;
      this.queued++;
      this.inPool++;
      const buf = this.buffer(job.size);
      const p = this.extractor.extract(job.batch, this.lineLength, buf).then(
        (n) => {
          this.left();
          return buf.subarray(0, n);
        },
        (e: unknown) => {
          this.left();
          throw e;
        },
      );
      p.catch(() => undefined); // awaited by records(); a failure after close() is nobody's concern
      job.result = p;
    }
    // The next job is described now, while the pool is busy, rather than when there is room for
    // it (the JS thread is then busier with the batch that came out).
    if (!this.closed) this.job(this.queued);
  }

  private left(): void {
    this.inPool--;
    this.pump();
  }

  private buffer(size: number): Uint8Array {
    for (let i = 0; i < this.pool.length; i++)
      if (this.pool[i].byteLength >= size) {
        const b = this.pool[i];
        this.pool.splice(i, 1);
        return new Uint8Array(b, 0, size);
      }
    return new Uint8Array(Buffer.allocUnsafeSlow(Math.max(size, MIN_BUFFER)).buffer, 0, size);
  }

  /**
   * The records of unit u, batch by batch with their contigs; each buffer is valid until the loop
   * asks for the next one. Units must be read in order.
   */
  async *records(u: number): AsyncGenerator<{ bytes: Uint8Array; batch: ExtractBatch }, void, undefined> {
    for (;;) {
      this.pump();
      const i = this.consumed;
      const job = this.job(i);
      if (job === undefined) {
        if (this.failure !== undefined && this.failure.unit <= u) throw this.failure.error;
        return;
      }
      if (job.unit > u) return;
      if (job.result === undefined) throw new AgcError(AgcErrorCode.CLOSED, 'the extraction was stopped');
      const bytes = await job.result;
      job.result = undefined;
      // (the batches of an earlier unit whose records were not all read are skipped)
      if (job.unit === u) yield { bytes, batch: job.batch };
      this.consumed = i + 1;
      if (this.pool.length < 2 * this.threads + 1) this.pool.push(bytes.buffer as ArrayBuffer);
    }
  }

  /** Stop: running jobs end after their current contig; nothing new starts. */
  close(): void {
    this.closed = true;
    this.extractor.close();
  }
}
