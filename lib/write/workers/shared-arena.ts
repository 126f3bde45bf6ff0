// Shared memory for one batch's contigs and stored reverse complements. The store workers read
// segments straight from it; once the batch is stored nobody holds a view any more and the chunks
// are reused for a later batch. Reusing them (instead of a SharedArrayBuffer per contig) keeps the
// memory bounded without waiting for garbage collection in every thread.

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
