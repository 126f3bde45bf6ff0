// Memory for the decompressed parts that random access caches: one buffer used as a ring, the
// oldest part overwritten first. Random queries on an archive larger than the cache decompress a
// part per query; a fresh buffer for each cost more in page faults, munmap and garbage collection
// than zstd itself spent filling it (8 x 60 Mbp: 300 ms of zstd, 146 MB in 2,200 new buffers,
// against about 190 ms into memory already mapped). Eviction is first in, first out: under random
// access it keeps as much as an LRU would, and a part evicted while still in demand costs one
// decompression again.
//
// A region is handed out only for the part being cached, and the owner's cache forgets a part
// (onEvict) before its region is given to another: a view is valid until the next allocate() on
// the same ring. Callers use one part of each ring at a time (a segment needs one pack and one
// reference, held in two rings).
import { native } from '../native/load.js';

/** Alignment of regions (keeps views usable as wider typed arrays). */
const ALIGN = 8;
/**
 * How far ahead of the head the ring's pages are faulted in on a pool thread (native
 * populateMemory): the kernel zeroes each fresh page at its first write, and on the query's
 * thread that cost as much as zstd filling it (8 x 60 Mbp: ~230 of ~800 ms). Memory is populated
 * at most this much beyond what the ring has handed out, and no more than it has handed out so
 * far (at least POPULATE_FIRST): a small archive's working set does not pay for a large ring.
 */
const POPULATE_AHEAD = 16 << 20;
const POPULATE_FIRST = 2 << 20;
/** Smaller rings are left to fault in as they are used. */
const POPULATE_MIN_CAPACITY = 8 << 20;

export class PartRing {
  private buffer: Uint8Array | undefined;
  private head = 0;
  // Live regions in allocation order (a queue: live entries are [front, keys.length)).
  private keys: number[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private front = 0;
  /** The buffer could not be allocated (see allocate). */
  private unavailable = false;
  /** Pages below this offset are populated or being populated (see ahead()). */
  private populated = 0;
  /** Whether a population job runs; its word is 0 until it is over (see native populateMemory). */
  private populating = false;
  private populateDone = new Int32Array(new SharedArrayBuffer(4));

  /**
   * @param capacity bytes of the ring (allocated at the first allocate())
   * @param onEvict called with the key of each part whose region is about to be reused
   * @param populate whether to fault the pages in ahead of use on another thread (see ahead())
   */
  constructor(
    readonly capacity: number,
    private readonly onEvict: (key: number) => void,
    private readonly populate = true,
  ) {}

  /**
   * A region of `size` bytes for part `key`, evicting the oldest parts it overlaps; undefined for
   * a part too large for the ring (an eighth of it), which the caller then holds on its own.
   */
  allocate(size: number, key: number): Uint8Array | undefined {
    if (size > this.capacity / 8 || size <= 0) return undefined;
    let buffer = this.buffer;
    if (buffer === undefined) {
      if (this.unavailable) return undefined;
      try {
        buffer = this.buffer = new Uint8Array(this.capacity);
      } catch (e) {
        // larger than one array can be here, or no memory: parts get buffers of their own
        if (!(e instanceof RangeError)) throw e;
        this.unavailable = true;
        return undefined;
      }
      native.adviseHugePages(buffer);
      if (!this.populate || this.capacity < POPULATE_MIN_CAPACITY) this.populated = this.capacity;
    }
    let start = this.head;
    const wrap = start + size > this.capacity;
    if (wrap) start = 0;
    const end = start + size;
    // The regions after the head are the oldest ones; with a wrap, the rest of the buffer's end
    // goes too.
    while (this.front < this.keys.length) {
      const s = this.starts[this.front];
      const overlaps = s < end && this.ends[this.front] > start;
      if (!overlaps && !(wrap && s >= this.head)) break;
      this.onEvict(this.keys[this.front]);
      this.front++;
    }
    if (this.front > 1024 && this.front * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.front);
      this.starts = this.starts.slice(this.front);
      this.ends = this.ends.slice(this.front);
      this.front = 0;
    }
    this.keys.push(key);
    this.starts.push(start);
    this.ends.push(end);
    this.head = Math.min(this.capacity, (end + ALIGN - 1) & ~(ALIGN - 1));
    if (this.populated < this.capacity) this.ahead(buffer, end);
    // a Buffer view: its indexOf is a native memchr (a pack's entries are found that way), the
    // typed array's is several times slower
    return Buffer.from(buffer.buffer, start, size);
  }

  /**
   * Keeps the pages up to POPULATE_AHEAD past `end` populated (less while little is in use): one
   * job at a time, the next queued when the last is over and the head has come within half the
   * distance. Pages the head has already passed are not asked for (their use faulted them in).
   */
  private ahead(buffer: Uint8Array, end: number): void {
    const word = this.populateDone;
    if (this.populating) {
      const state = Atomics.load(word, 0);
      if (state === 0) return;
      this.populating = false;
      if (state !== 1) {
        // the system cannot: stop asking
        this.populated = this.capacity;
        return;
      }
    }
    const ahead = Math.min(POPULATE_AHEAD, Math.max(POPULATE_FIRST, end));
    if (end + ahead / 2 < this.populated) return;
    const from = Math.max(this.populated, end);
    const to = Math.min(this.capacity, from + ahead);
    this.populated = to;
    Atomics.store(word, 0, 0);
    if (native.populateMemory(buffer, from, to, word)) this.populating = true;
    else this.populated = this.capacity;
  }

  /**
   * Gives back the end of the region allocate() returned last (for `key`), keeping its first
   * `size` bytes: a part that turned out smaller than its bound.
   */
  shrinkLast(key: number, size: number): void {
    const last = this.keys.length - 1;
    if (last < this.front || this.keys[last] !== key || size > this.ends[last] - this.starts[last]) return;
    const end = this.starts[last] + size;
    this.ends[last] = end;
    this.head = Math.min(this.capacity, (end + ALIGN - 1) & ~(ALIGN - 1));
  }

  /** Forgets every part (without calling onEvict); the buffer stays for reuse. */
  clear(): void {
    this.keys = [];
    this.starts = [];
    this.ends = [];
    this.front = 0;
    this.head = 0;
  }

  /** Frees the buffer. */
  release(): void {
    this.clear();
    this.buffer = undefined;
    // (a running job keeps the old buffer alive until it is over; its word is not reused)
    if (this.populating) this.populateDone = new Int32Array(new SharedArrayBuffer(4));
    this.populating = false;
    this.populated = 0;
  }
}
