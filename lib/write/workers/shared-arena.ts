// Shared memory for one batch's contigs and stored reverse complements. The store workers read
// segments straight from it; once the batch is stored nobody holds a view any more and the chunks
// are reused for a later batch. Reusing them (instead of a SharedArrayBuffer per contig) keeps the
// memory bounded without waiting for garbage collection in every thread.

import { AgcError, AgcErrorCode } from '../../errors.js';

const CHUNK = 16 << 20;

export class SharedArena {
  private readonly chunks: SharedArrayBuffer[] = [];
  private chunk = 0;
  private used = 0;

  /** A zero-length-safe view of `n` bytes (contents unspecified). */
  alloc(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    for (;;) {
      const c = this.chunks[this.chunk];
      if (c === undefined) {
        this.chunks.push(new SharedArrayBuffer(Math.max(CHUNK, n)));
        continue;
      }
      if (this.used + n <= c.byteLength) {
        const v = new Uint8Array(c, this.used, n);
        this.used += n;
        return v;
      }
      this.chunk++;
      this.used = 0;
    }
  }

  /**
   * The free rest of the current chunk, at least `min` bytes (else the next chunk that has them,
   * or a new one), for a FASTA record of unknown length decoded in place (SequenceStore in
   * fasta/read-fasta.ts: the contig then needs no copy, nor a reader buffer as long as the longest
   * contig). Nothing is allocated until close(); no alloc() may come in between.
   */
  open(min: number): Uint8Array {
    for (;;) {
      const c = this.chunks[this.chunk];
      if (c === undefined) {
        this.chunks.push(new SharedArrayBuffer(Math.max(CHUNK, min)));
        continue;
      }
      if (c.byteLength - this.used >= min) return new Uint8Array(c, this.used, c.byteLength - this.used);
      this.chunk++;
      this.used = 0;
    }
  }

  /** Space of at least `min` bytes (more than `buf`, the last open() or grow()) holding the first `used` bytes of `buf`. */
  grow(buf: Uint8Array, used: number, min: number): Uint8Array {
    this.checkOpen(buf);
    // A chunk holding nothing but this record is replaced: its pages, with the record's start
    // written, would otherwise stay resident for every later batch of this arena.
    if (this.used === 0 && buf.buffer === this.chunks[this.chunk]) {
      const bigger = new SharedArrayBuffer(Math.max(CHUNK, min));
      this.chunks[this.chunk] = bigger;
      const v = new Uint8Array(bigger);
      v.set(buf.subarray(0, used));
      return v;
    }
    const v = this.open(min);
    v.set(buf.subarray(0, used));
    return v;
  }

  /** The first `len` bytes of `buf` (the last open() or grow()) become an allocation. */
  close(buf: Uint8Array, len: number): Uint8Array {
    this.checkOpen(buf);
    const v = new Uint8Array(buf.buffer, buf.byteOffset, len);
    this.used += len;
    return v;
  }

  private checkOpen(buf: Uint8Array): void {
    if (buf.buffer !== this.chunks[this.chunk] || buf.byteOffset !== this.used) {
      throw new AgcError(AgcErrorCode.INTERNAL, 'internal: shared arena: the open space moved (an allocation between open and close)');
    }
  }

  /** A copy of `src` in the arena. */
  copy(src: Uint8Array): Uint8Array {
    const v = this.alloc(src.length);
    v.set(src);
    return v;
  }

  /** Forget every allocation (only when no thread holds a view any more); chunks are kept. */
  reset(): void {
    this.chunk = 0;
    this.used = 0;
  }

  /** Bytes held. */
  get capacity(): number {
    let n = 0;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }
}
