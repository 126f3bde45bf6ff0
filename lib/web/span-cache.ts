// Fetched byte ranges of a ByteSource, kept for later queries. A query first lists every range
// it will need; ensure() fetches the missing ones together, merging ranges that are adjacent or
// close (a small gap costs less than another round trip), so a typical range query costs one
// request per cluster of parts. Decoding then runs synchronously on the cached bytes.
import type { ByteSource } from '../io/byte-source.js';
import { AgcError, AgcErrorCode } from '../errors.js';

interface Span {
  start: number;
  bytes: Uint8Array;
  /** Queries between ensure() and release(): the span must not be evicted under them. */
  pins: number;
}

export interface SpanCacheOptions {
  /** Bytes of fetched data kept (default 64 MiB). */
  budget?: number;
  /** Ranges at most this far apart are fetched in one request (default 32 KiB). */
  mergeGap?: number;
}

export class SpanCache {
  // Kept in insertion/use order for LRU eviction; few enough that a scan is cheap.
  private spans: Span[] = [];
  private held = 0;
  private readonly budget: number;
  private readonly mergeGap: number;

  constructor(
    private readonly source: ByteSource,
    private readonly name: string,
    options: SpanCacheOptions = {},
  ) {
    this.budget = options.budget ?? 64 << 20;
    this.mergeGap = options.mergeGap ?? 32 << 10;
  }

  /** Add bytes obtained elsewhere (the tail read at open); evictable from the next ensure() on. */
  add(start: number, bytes: Uint8Array): void {
    this.spans.push({ start, bytes, pins: 0 });
    this.held += bytes.length;
  }

  private find(start: number, end: number): Span | undefined {
    for (let i = this.spans.length - 1; i >= 0; i--) {
      const s = this.spans[i];
      if (s.start <= start && end <= s.start + s.bytes.length) return s;
    }
    return undefined;
  }

  /**
   * Fetch every range [start, end) that is not cached yet, merging close ones. The spans holding
   * the ranges stay cached until the returned release() is called (concurrent queries may evict).
   */
  async ensure(ranges: readonly { start: number; end: number }[]): Promise<() => void> {
    const missing = ranges.filter((r) => r.end > r.start && !this.find(r.start, r.end)).sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number }[] = [];
    for (const r of missing) {
      const last = merged[merged.length - 1];
      if (last && r.start <= last.end + this.mergeGap) last.end = Math.max(last.end, r.end);
      else merged.push({ start: r.start, end: r.end });
    }
    const got = merged.length ? await Promise.all(merged.map((r) => this.source.read(r.end - r.start, r.start))) : [];
    for (let i = 0; i < merged.length; i++) {
      const r = merged[i];
      if (got[i].length !== r.end - r.start)
        throw new AgcError(
          AgcErrorCode.IO,
          `${this.name}: read ${got[i].length} bytes at ${r.start}, expected ${r.end - r.start} (file truncated or changed?)`,
        );
      this.spans.push({ start: r.start, bytes: got[i], pins: 0 });
      this.held += got[i].length;
    }
    const pinned = new Set<Span>();
    for (const r of ranges) {
      const s = r.end > r.start ? this.find(r.start, r.end) : undefined;
      if (s && !pinned.has(s)) {
        pinned.add(s);
        s.pins++;
      }
    }
    this.evict();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const s of pinned) s.pins--;
      this.evict();
    };
  }

  /** Bytes [start, end), which must have been ensure()d. */
  get(start: number, end: number): Uint8Array {
    if (end <= start) return new Uint8Array(0);
    const s = this.find(start, end);
    if (!s) throw new AgcError(AgcErrorCode.INTERNAL, `${this.name}: bytes ${start}-${end} were not fetched before use`);
    return s.bytes.subarray(start - s.start, end - s.start);
  }

  clear(): void {
    this.spans = [];
    this.held = 0;
  }

  private evict(): void {
    // Oldest first, skipping spans that a running query still needs.
    for (let i = 0; this.held > this.budget && i < this.spans.length;) {
      const s = this.spans[i];
      if (s.pins > 0) i++;
      else {
        this.spans.splice(i, 1);
        this.held -= s.bytes.length;
      }
    }
  }
}
