// FASTA output of getctg (non-streaming mode; getcol and getset decode in the addon, see
// bulk-extract.ts). Records are formatted straight into one of two reused buffers, which are
// handed to the output in turns: while one is being written (a pipe may take it piece by piece)
// the other is filled; outputs that write synchronously (files, /dev/null) need only one. That
// replaces one fresh contig-sized allocation per record with long-lived buffers, which keeps the
// garbage collector idle and the memory small. A buffer grows to the largest record.
import { allocChecked, type AgcArchive } from '../read/agc-archive.js';
import type { ContigLayout } from '../format/contig-layout.js';
import { gzipRecord, recordSize } from '../fasta/format-fasta.js';
import type { Output } from './common.js';

/** Buffered bytes that trigger a write; also the smallest buffer. */
const CHUNK = 1 << 20;

export class FastaSink {
  private readonly bufs: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
  private readonly inFlight: [Promise<void> | undefined, Promise<void> | undefined] = [undefined, undefined];
  private cur = 0;
  private fill = 0;

  /** `gzip` > 0: each record as upstream's two gzip members (formatted on its own). */
  constructor(
    private out: Output,
    private readonly archive: AgcArchive,
    private readonly lineLength: number,
    private readonly gzip = 0,
  ) {}

  /** Append the record of positions [start, end) of a contig under `header`. */
  async record(c: ContigLayout, header: string = c.name, start = 0, end: number = c.length): Promise<void> {
    if (this.gzip) {
      await this.flush();
      await this.out.write(gzipRecord(this.archive.headerBytes(c, header), this.archive.readContig(c, start, end, false), this.lineLength, this.gzip));
      return;
    }
    const size = recordSize(this.archive.headerBytes(c, header), Math.max(0, end - start), this.lineLength);
    let buf = this.bufs[this.cur];
    if (buf && this.fill + size > buf.length && this.fill > 0) {
      await this.flush();
      buf = this.bufs[this.cur];
    }
    if (!buf || size > buf.length - this.fill) {
      // fill is 0 here, and flush() has waited until this buffer is no longer being written.
      buf = this.bufs[this.cur] = allocChecked(
        Math.max(size, CHUNK),
        () => `the FASTA record of contig ${c.name}`,
        (k) => Buffer.allocUnsafe(k),
      );
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
