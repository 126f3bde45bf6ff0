// FASTA output of getcol/getset/getctg (non-streaming mode). Records are formatted straight into
// one of two reused buffers, which are handed to the output in turns: while one is being written
// (a pipe may take it piece by piece) the other is filled. That replaces one fresh contig-sized
// allocation per record with two long-lived buffers, which keeps the garbage collector idle and
// the peak memory at about two records.
import type { AgcArchive } from '../reader.js';
import type { ContigLayout } from '../contig.js';
import { gzipRecord, recordSize } from '../fasta-writer.js';
import type { Output } from './common.js';

/** Buffered bytes that trigger a write; also the smallest buffer. */
const CHUNK = 1 << 20;

export class FastaSink {
  private readonly bufs: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
  private readonly inFlight: [Promise<void> | undefined, Promise<void> | undefined] = [undefined, undefined];
  private cur = 0;
  private fill = 0;

  /**
   * `gzip` > 0: each record as upstream's two gzip members (formatted on its own).
   * `maxRecordBytes`: the largest record to come (fasta-writer recordSize()); when given, the
   * buffers are allocated once, from the archive's bulk space (AgcArchive.bulkBuffers).
   */
  constructor(
    private out: Output,
    private readonly archive: AgcArchive,
    private readonly lineLength: number,
    private readonly gzip = 0,
    maxRecordBytes?: number,
  ) {
    if (!gzip && maxRecordBytes !== undefined) {
      const bufs = archive.bulkBuffers(out.synchronous ? 1 : 2, Math.max(CHUNK, maxRecordBytes));
      this.bufs[0] = bufs[0];
      this.bufs[1] = bufs[1];
    }
  }

  /** Append the record of positions [start, end) of a contig under `header`. */
  async record(c: ContigLayout, header: string = c.name, start = 0, end: number = c.length): Promise<void> {
    if (this.gzip) {
      await this.flush();
      await this.out.write(gzipRecord(header, this.archive.readContig(c, start, end, false), this.lineLength, this.gzip));
      return;
    }
    const size = recordSize(header, Math.max(0, end - start), this.lineLength);
    let buf = this.bufs[this.cur];
    if (buf && this.fill + size > buf.length && this.fill > 0) {
      await this.flush();
      buf = this.bufs[this.cur];
    }
    if (!buf || size > buf.length - this.fill) {
      // fill is 0 here, and flush() has waited until this buffer is no longer being written.
      buf = this.bufs[this.cur] = Buffer.allocUnsafe(Math.max(size, CHUNK));
    }
    this.fill = this.archive.formatRecordInto(c, header, start, end, this.lineLength, buf, this.fill);
    if (this.fill >= CHUNK) await this.flush();
  }

  /**
   * Hand the filled part of the current buffer to the output and switch to the other buffer
   * (or, for outputs that write synchronously, go on with the same one: fewer fresh pages).
   */
  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const i = this.cur;
    if (this.out.synchronous) {
      await this.out.writeReusable(this.bufs[i]!.subarray(0, this.fill));
      this.fill = 0;
      return;
    }
    const p = this.out.writeReusable(this.bufs[i]!.subarray(0, this.fill));
    p.catch(() => undefined); // awaited below or in finish(); this only marks it handled meanwhile
    this.inFlight[i] = p;
    this.fill = 0;
    this.cur = 1 - i;
    const other = this.inFlight[this.cur];
    this.inFlight[this.cur] = undefined;
    await other;
  }

  /** Write everything buffered and wait until the output has taken it. */
  async finish(): Promise<void> {
    await this.flush();
    const pending = this.inFlight.filter((p): p is Promise<void> => p !== undefined);
    this.inFlight[0] = this.inFlight[1] = undefined;
    for (const p of pending) await p;
  }

  /** Finish the current output and continue on `out`, keeping the buffers. */
  async retarget(out: Output): Promise<void> {
    await this.finish();
    this.out = out;
  }
}
