// Decompression of every reference and pack of an archive held in memory (the `prefetch` open),
// on a thread of the libuv pool while queries are answered: random queries on a large archive
// spend most of their time in zstd, and a second core can do that ahead of them.
//
// Both threads claim a part by compare-and-swap on its state word (native/segment.cc), so each
// part is decoded once, into its own place in one SharedArrayBuffer: by the background thread, or
// by the query that needs it first. A part the background could not decode is left to the query,
// which decodes it on its own and reports the error as always.
import { native } from '../native/load.js';
import type { ArchivePart } from '../native/cpp-archive.js';
import { zstdFrameContentSize } from '../format/segment-decode.js';

const PENDING = 0;
const DONE = 2;
const TAKEN = 3;
const FAILED = 4; // set by either thread: the caller decodes the part itself

/** One part to decode: where its zstd frame lies in the image and how large it unpacks. */
interface Job {
  src: number;
  srcLength: number;
  size: number;
}

export class BackgroundDecode {
  private readonly states: Int32Array;
  private readonly space: Uint8Array;
  private readonly offsets: Float64Array;
  private readonly sizes: Float64Array;
  private readonly sources: Float64Array;
  private readonly image: Uint8Array;
  /** Job of (stream, part): jobOf[slot[sid] + part], -1 when the part is not decoded here. */
  private readonly jobOf: Int32Array;
  private readonly slot: Float64Array;
  /** Settles when the background thread stops (the count of parts it decoded). */
  readonly done: Promise<number>;

  private constructor(image: Uint8Array, jobs: Job[], jobOf: Int32Array, slot: Float64Array, total: number) {
    this.image = image;
    this.jobOf = jobOf;
    this.slot = slot;
    const n = jobs.length;
    this.states = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
    this.space = new Uint8Array(new SharedArrayBuffer(total));
    this.offsets = new Float64Array(n);
    this.sizes = new Float64Array(n);
    this.sources = new Float64Array(2 * n);
    const spec = new Float64Array(4 * n);
    let at = 0;
    for (let j = 0; j < n; j++) {
      const job = jobs[j];
      this.offsets[j] = at;
      this.sizes[j] = job.size;
      this.sources[2 * j] = job.src;
      this.sources[2 * j + 1] = job.srcLength;
      spec.set([job.src, job.srcLength, at, job.size], 4 * j);
      at += job.size + ((8 - (job.size & 7)) & 7); // 8-byte steps keep each place aligned
    }
    this.done = native.decodePartsInBackground(image, spec, this.space, this.states).catch(() => 0);
  }

  /**
   * Plans the decoding of the zstd parts of the given streams (references: `refStreams`, packs:
   * `packStreams`; parts whose size cannot be known up front are left out) and starts it, unless
   * they need more than `maxBytes` decoded. `part(sid, p)` reads a part as a view into `image`.
   */
  static start(
    image: Uint8Array,
    streamCount: number,
    numParts: (sid: number) => number,
    part: (sid: number, p: number) => ArchivePart,
    streams: Iterable<number>,
    maxBytes: number,
  ): BackgroundDecode | undefined {
    const slot = new Float64Array(streamCount + 1);
    for (let sid = 0; sid < streamCount; sid++) slot[sid + 1] = slot[sid] + numParts(sid);
    const jobOf = new Int32Array(slot[streamCount]).fill(-1);
    const jobs: Job[] = [];
    let total = 0;
    for (const sid of streams) {
      for (let p = 0, np = numParts(sid); p < np; p++) {
        const { data, metadata } = part(sid, p);
        if (metadata === 0 || data.length < 2) continue; // stored as is, or corrupt: nothing to do ahead
        const frame = data.subarray(0, data.length - 1);
        const method = data[data.length - 1];
        // Packs and plain references unpack to `metadata` bytes, tuple-packed references to what
        // their frame header says; the native side checks that against the frame again.
        const size = method === 1 ? zstdFrameContentSize(frame) : metadata;
        if (size === undefined || size > metadata + 2 || method > 1) continue;
        jobOf[slot[sid] + p] = jobs.length;
        jobs.push({ src: frame.byteOffset - image.byteOffset, srcLength: frame.length, size });
        total += size + ((8 - (size & 7)) & 7);
        if (total > maxBytes) return undefined;
      }
    }
    if (jobs.length === 0) return undefined;
    return new BackgroundDecode(image, jobs, jobOf, slot, Math.max(8, total));
  }

  /**
   * The decoded bytes of part `p` of stream `sid`, decoding them here if the background has not
   * got to them yet; undefined when the part is not planned, is being decoded by the background
   * right now, or failed (the caller then decodes it on its own).
   */
  take(sid: number, p: number): Uint8Array | undefined {
    const j = sid + 1 < this.slot.length ? this.jobOf[this.slot[sid] + p] : -1;
    if (j === undefined || j < 0) return undefined;
    const st = this.states;
    let s = Atomics.load(st, j + 1);
    if (s === PENDING) {
      s = Atomics.compareExchange(st, j + 1, PENDING, TAKEN);
      if (s === PENDING) {
        const out = this.space.subarray(this.offsets[j], this.offsets[j] + this.sizes[j]);
        const src = this.sources[2 * j];
        try {
          native.zstdDecompressInto(this.image.subarray(src, src + this.sources[2 * j + 1]), out);
        } catch {
          // the caller decodes the part on its own and reports the error in its context
          Atomics.store(st, j + 1, FAILED);
          return undefined;
        }
        Atomics.store(st, j + 1, DONE);
        return out;
      }
    }
    if (s === DONE) return this.space.subarray(this.offsets[j], this.offsets[j] + this.sizes[j]);
    return undefined;
  }

  /** Asks the background thread to stop after its current part. */
  stop(): void {
    Atomics.store(this.states, 0, 1);
  }
}
