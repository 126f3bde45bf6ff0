// Bulk FASTA output of getcol/getset: the contigs of each unit (a sample), cut into pieces when
// long, in batches of about 1 Mbp that the addon decodes and formats on up to `threads` threads
// of the libuv pool (read/native-extract.ts), while the JS thread writes the finished batches in
// order. At most 2 x threads batches are decoded ahead of the writer, so memory stays bounded
// however large the collection or its contigs are.
import type { AgcArchive } from '../read/agc-archive.js';
import type { ContigLayout } from '../format/contig-layout.js';
import { type ContigPiece, type ExtractBatch, NativeExtractor, contigPieces } from '../read/native-extract.js';
import { AgcError, AgcErrorCode } from '../errors.js';

/**
 * Symbols per batch: small enough that the last batches keep every thread busy until the end and
 * that the few reused output buffers stay small (fresh memory costs a page fault per 4 KiB), large
 * enough that the per-job overhead stays small. A longer contig is written in pieces of about
 * this size, except with `whole` (gzip members need whole records).
 */
const BATCH_SYMBOLS = 1 << 20;
/** Smallest output buffer (reused between batches). */
const MIN_BUFFER = 1 << 20;

interface Job {
  batch: ExtractBatch;
  size: number;
  result?: Promise<Uint8Array>;
}

export class BulkExtraction {
  private readonly extractor: NativeExtractor;
  private readonly jobs: Job[] = [];
  /** First job of each unit, and one past the last (firstJob[units]). */
  private readonly firstJob: number[] = [];
  private queued = 0;
  private running = 0;
  private consumed = 0;
  private closed = false;
  private readonly pool: ArrayBuffer[] = [];

  /**
   * `whole`: every batch holds whole records (contigs), however long, instead of pieces of about
   * BATCH_SYMBOLS.
   */
  constructor(
    archive: AgcArchive,
    units: readonly (readonly ContigLayout[])[],
    private readonly lineLength: number,
    private readonly threads: number,
    whole = false,
  ) {
    this.extractor = new NativeExtractor(archive.extractionSource());
    try {
      const max = whole ? Infinity : BATCH_SYMBOLS;
      for (let u = 0; u < units.length; u++) {
        this.firstJob.push(this.jobs.length);
        let pieces: ContigPiece[] = [];
        let symbols = 0;
        for (const c of units[u])
          for (const p of contigPieces(c, max)) {
            pieces.push(p);
            symbols += c.starts[p.seg1] - c.starts[p.seg0];
            if (symbols >= BATCH_SYMBOLS) {
              this.addJob(pieces);
              pieces = [];
              symbols = 0;
            }
          }
        if (pieces.length) this.addJob(pieces);
      }
      this.firstJob.push(this.jobs.length);
    } catch (e) {
      this.extractor.close();
      throw e;
    }
  }

  private addJob(pieces: readonly ContigPiece[]): void {
    const batch = this.extractor.batch(pieces);
    this.jobs.push({ batch, size: this.extractor.size(batch, this.lineLength) });
  }

  /** Start jobs while threads are free and the window allows. */
  private pump(): void {
    const window = 2 * this.threads;
    while (!this.closed && this.running < this.threads && this.queued < this.jobs.length && this.queued < this.consumed + window) {
      const job = this.jobs[this.queued++];
      const buf = this.buffer(job.size);
      this.running++;
      // The thread counts as free before the result is seen, so that records() finds the next job
      // started.
      const p = this.extractor.extract(job.batch, this.lineLength, buf).then(
        (n) => {
          this.finished();
          return buf.subarray(0, n);
        },
        (e: unknown) => {
          this.finished();
          throw e;
        },
      );
      p.catch(() => undefined); // awaited by records(); a failure after close() is nobody's concern
      job.result = p;
    }
  }

  private finished(): void {
    this.running--;
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
    for (let i = this.firstJob[u]; i < this.firstJob[u + 1]; i++) {
      this.pump();
      const job = this.jobs[i];
      if (job.result === undefined) throw new AgcError(AgcErrorCode.CLOSED, 'the extraction was stopped');
      const bytes = await job.result;
      job.result = undefined;
      yield { bytes, batch: job.batch };
      this.consumed = i + 1;
      if (this.pool.length < 2 * this.threads + 1) this.pool.push(bytes.buffer as ArrayBuffer);
      this.pump();
    }
  }

  /** Stop: running jobs end after their current contig; nothing new starts. */
  close(): void {
    this.closed = true;
    this.extractor.close();
  }
}
