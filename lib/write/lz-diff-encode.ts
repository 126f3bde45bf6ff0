// LZ-diff V2 encoder side (docs/format.md 5.6, 7.5): one group reference with its sparse hash
// index, and the three scans over a segment: encode (byte-exact delta), estimate (the group-choice
// cost, with upstream's quirks) and the per-symbol costs used to split segments.
//
// The scans are native (vendor/agc/src/lz_diff.cpp): they are the compressor's hottest loops and
// TypeScript spent about three times the CPU on them. The padded reference and the index are
// ordinary typed arrays owned here, so the garbage collector sees their memory.
import { native } from '../native/load.js';
import { callNative } from '../native/native-error.js';

const PAD_SYMBOL = 31;

/** A coder's data in shared memory: the padded reference and its index. */
export interface SharedLzData {
  padded: Uint8Array;
  index: Int32Array;
}

/**
 * LZ-diff V2 coder bound to one group reference (codes) and min match length L (`-l`, 15..32).
 * The hash index is built lazily on first use. Instances are reusable and hold no scratch state.
 */
export class LzDiff {
  /** Min match length L. */
  readonly minMatchLen: number;
  /** Key length kl = L - 3 (symbols per hashed word). */
  readonly keyLen: number;
  /** Reference length R (unpadded). */
  readonly refLength: number;
  /** The reference followed by kl padding symbols. */
  private readonly padded: Uint8Array;
  private index: Int32Array | null = null;

  /**
   * `reference`: the group reference (copied), or another coder's shared data (used as it is, see
   * {@link LzDiff.shared}). `shared`: keep the copy and the index in shared memory, so that other
   * threads can use this coder's data.
   */
  constructor(reference: Uint8Array | SharedLzData, minMatchLen: number, shared = false) {
    if (!Number.isInteger(minMatchLen) || minMatchLen < 15 || minMatchLen > 32) {
      throw new RangeError(`min match length ${minMatchLen} is outside 15..32`);
    }
    this.minMatchLen = minMatchLen;
    this.keyLen = minMatchLen - 3;
    if (!(reference instanceof Uint8Array)) {
      this.padded = reference.padded;
      this.index = reference.index;
      this.refLength = this.padded.length - this.keyLen;
      this.sharedIndex = true;
      return;
    }
    this.refLength = reference.length;
    const size = reference.length + this.keyLen;
    this.padded = shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    this.padded.set(reference);
    this.padded.fill(PAD_SYMBOL, reference.length);
    this.sharedIndex = shared;
  }

  private readonly sharedIndex: boolean;

  /** The shared padded reference and index (built now); only for coders made with `shared`. */
  shared(): SharedLzData {
    if (!this.sharedIndex) throw new RangeError('LzDiff: not a shared coder');
    return { padded: this.padded, index: this.built() };
  }

  /** The reference (a view; do not modify). */
  get reference(): Uint8Array {
    return this.padded.subarray(0, this.refLength);
  }

  /** Number of hash slots (0 before the index is built). For tests. */
  get indexSize(): number {
    return this.index ? this.index.length : 0;
  }

  /** Build the index now (otherwise done on first encode/estimate/costs). */
  ensureIndex(): void {
    if (this.index !== null) return;
    const index = callNative(() => native.lzIndex(this.padded, this.minMatchLen));
    if (this.sharedIndex) {
      this.index = new Int32Array(new SharedArrayBuffer(index.byteLength));
      this.index.set(index);
    } else this.index = index;
  }

  /**
   * Build the indexes of every coder that has none yet in one native call, on up to `threads`
   * threads (shared coders straight into shared memory, with no copy).
   */
  static buildIndexes(coders: readonly LzDiff[], threads: number): void {
    // One native call per minimum match length (a compressor has one).
    const byLength = new Map<number, LzDiff[]>();
    for (const c of coders) {
      if (c.index !== null) continue;
      const list = byLength.get(c.minMatchLen);
      if (list === undefined) byLength.set(c.minMatchLen, [c]);
      else list.push(c); // a coder listed twice is built twice, harmlessly
    }
    for (const [L, list] of byLength) {
      const indexes = list.map((c) => {
        const bytes = 4 * native.lzIndexSize(c.padded, L);
        return new Int32Array(c.sharedIndex ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
      });
      callNative(() =>
        native.lzFillIndexes(
          list.map((c) => c.padded),
          L,
          indexes,
          threads,
        ),
      );
      list.forEach((c, j) => (c.index = indexes[j]!));
    }
  }

  private built(): Int32Array {
    this.ensureIndex();
    return this.index!;
  }

  /**
   * CLZDiff_V2::Encode: the delta of `text` against the reference. Returns an empty array when
   * `text` equals the reference (the caller maps that to in_group_id 0). The result is a fresh array.
   */
  encode(text: Uint8Array): Uint8Array {
    return callNative(() => native.lzEncode(this.padded, this.built(), this.minMatchLen, text));
  }

  /**
   * CLZDiff_V2::Estimate: approximate encoded size of `text`, 0 when it equals the reference.
   * Reproduces upstream exactly: early exit once the cost exceeds `bound` (checked at the top of the
   * loop only), matches not rewound by their backward extension, digit lengths capped at 8, N runs
   * costed with ulen(r) and a final uint32 wrap-around of cost + (n - i).
   */
  estimate(text: Uint8Array, bound = 0xffffffff): number {
    return callNative(() => native.lzEstimate(this.padded, this.built(), this.minMatchLen, text, bound));
  }

  /**
   * GetCodingCostVector: one cost per symbol of `text` from the encoder's scan (literal 1; N run and
   * match costs placed on their first symbol when `prefix`, else on their last; rewound literals
   * removed). No equality shortcut, no '!' and no match-to-end special case, digit lengths capped at 10.
   * With `out` (at least text.length long, not sharing memory with the inputs) the costs are
   * written into it and its first text.length elements are returned.
   */
  costs(text: Uint8Array, prefix: boolean, out?: Uint32Array): Uint32Array {
    const index = this.built();
    if (out === undefined) return callNative(() => native.lzCosts(this.padded, index, this.minMatchLen, text, prefix));
    callNative(() => native.lzCosts(this.padded, index, this.minMatchLen, text, prefix, out));
    return out.subarray(0, text.length);
  }
}
