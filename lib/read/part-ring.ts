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

  /**
   * @param capacity bytes of the ring (allocated at the first allocate())
   * @param onEvict called with the key of each part whose region is about to be reused
   */
  constructor(
    readonly capacity: number,
    private readonly onEvict: (key: number) => void,
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
    // a Buffer view: its indexOf is a native memchr (a pack's entries are found that way), the
    // typed array's is several times slower
    return Buffer.from(buffer.buffer, start, size);
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
  }
}
