// Decoded group references and decompressed packs shared by the threads of one bulk extraction
// (getcol -t N), in one SharedArrayBuffer: each part is decoded once, by the first thread that
// needs it, instead of once per thread. Every sample needs nearly every group, so without this a
// worker repeats most of the main thread's decoding before it produces anything new.
//
// A slot per (archive part, orientation): FREE -> BUSY (one thread decodes; others wait on it) ->
// READY (offset and length published) or LOCAL (did not fit, or failed: each thread decodes on its
// own, and a failure is reported by whoever hits it). Decoding a part never waits for another part,
// so waiting cannot deadlock.
import { type Allocate, allocate } from '../format/segment-decode.js';

const FREE = 0;
const BUSY = 1;
const READY = 2;
const LOCAL = 3;

// control: [used bytes of the space, then per slot: state, offset, length]
const USED = 0;
const HEAD = 1;

/** What a thread needs to join (structured-cloneable; the buffers are shared, not copied). */
export interface SharedPartsInit {
  control: SharedArrayBuffer;
  space: SharedArrayBuffer;
}

const WAIT_SLICE_MS = 100;
const MAX_WAIT_MS = 10_000;

/** Largest space: offsets are 32-bit. */
const MAX_SPACE = 0x7ffffff8;

export class SharedParts {
  readonly space: Uint8Array;
  private readonly ctl: Int32Array;
  private readonly slots: number;

  private constructor(init: SharedPartsInit) {
    this.ctl = new Int32Array(init.control);
    this.space = new Uint8Array(init.space);
    this.slots = (this.ctl.length - HEAD) / 3;
  }

  /** New shared state for `slots` slots and `bytes` bytes of space (capped at 2 GiB). */
  static create(slots: number, bytes: number): SharedPartsInit {
    const size = Math.min(MAX_SPACE, Math.max(0, Math.ceil(bytes / 8) * 8));
    return { control: new SharedArrayBuffer(4 * (HEAD + 3 * slots)), space: new SharedArrayBuffer(size) };
  }

  static join(init: SharedPartsInit): SharedParts {
    return new SharedParts(init);
  }

  /** An Allocate placing its arrays in the space, or a fresh buffer when the space is full. */
  private readonly alloc: Allocate = (length, phase) => {
    const size = this.space.length;
    // room for the phase, in whole words; the counter never passes the size, so it cannot wrap
    const need = Math.ceil((length + 3) / 4) * 4;
    for (;;) {
      const at = Atomics.load(this.ctl, USED);
      if (need > size - at) return allocate(length, phase);
      if (Atomics.compareExchange(this.ctl, USED, at, at + need) !== at) continue;
      const start = at + ((phase - at) & 3);
      return this.space.subarray(start, start + length);
    }
  };

  /**
   * The bytes of slot `slot`, made once for all threads by `make` (which should allocate its
   * result with the Allocate it is given). Undefined when the slot is not shared: the caller
   * decodes on its own. Errors of `make` pass through (and the slot is left to each thread).
   */
  obtain(slot: number, make: (alloc: Allocate) => Uint8Array): Uint8Array | undefined {
    if (!(slot >= 0 && slot < this.slots)) return undefined;
    const ctl = this.ctl;
    const s = HEAD + 3 * slot;
    let waited = 0;
    for (;;) {
      const state = Atomics.load(ctl, s);
      if (state === READY) return this.space.subarray(ctl[s + 1], ctl[s + 1] + ctl[s + 2]);
      if (state === LOCAL) return undefined;
      if (state === BUSY) {
        // One part decodes in well under a second; a thread that died while decoding must not
        // hang the others, which then decode it themselves.
        if (waited >= MAX_WAIT_MS) return undefined;
        Atomics.wait(ctl, s, BUSY, WAIT_SLICE_MS);
        waited += WAIT_SLICE_MS;
        continue;
      }
      if (Atomics.compareExchange(ctl, s, FREE, BUSY) !== FREE) continue;
      let r: Uint8Array;
      try {
        r = make(this.alloc);
      } catch (e) {
        this.publish(s, LOCAL);
        throw e;
      }
      if (r.buffer !== this.space.buffer) {
        this.publish(s, LOCAL);
        return r;
      }
      ctl[s + 1] = r.byteOffset;
      ctl[s + 2] = r.length;
      this.publish(s, READY);
      return r;
    }
  }

  private publish(s: number, state: number): void {
    Atomics.store(this.ctl, s, state);
    Atomics.notify(this.ctl, s);
  }
}
