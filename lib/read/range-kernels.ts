// The per-query decoding of AgcArchive's random access, behind one interface so that the reader
// can run on the native kernels (vendor/agc/src/segment_decode.cpp) while tests check them
// against the TypeScript decoders of lib/format, which stay the definition (the web reader uses
// them and needs no addon).
//
// References are kept packed, as zstd returns them (docs/format.md 5.3): a random query needs a
// few kilobases of a group's reference, so unpacking all of it to letters (four times the packed
// size) cost more than the queries themselves on archives whose references outgrow the cache.
import { native } from '../native/load.js';
import { fromNative } from '../native/native-error.js';
import { AgcCorruptError } from '../errors.js';
import { CODE_TO_LETTER, LETTER_COMPLEMENT, reverseComplement } from '../format/letters.js';
import { lzDiffDecodeRange } from '../format/lz-diff-decode.js';
import { SegmentDecodeError, tuplesToSymbols, zstdFrameContentSize } from '../format/segment-decode.js';

/** Layout of packed reference bytes: 0 = one code per byte, 1 = tuple-packed codes ending in their marker byte. */
export type RefForm = 0 | 1;
export const RefForm = { CODES: 0, TUPLES: 1 } as const;

/** A group reference in packed form. */
export interface PackedReference {
  readonly bytes: Uint8Array;
  readonly form: RefForm;
  /** Symbols. */
  readonly length: number;
}

export interface RangeKernels {
  /** Decompress one zstd frame into all of `dst` (its content size). */
  decompressInto(frame: Uint8Array, dst: Uint8Array): void;
  /**
   * Letters of symbols [from, from + count) of packed reference bytes (or of one raw segment:
   * codes), counted on the reverse complement when `rc`, into dst[offset, offset + count).
   */
  refRange(bytes: Uint8Array, form: RefForm, from: number, count: number, dst: Uint8Array, offset: number, rc: boolean): void;
  /**
   * Letters of symbols [from, to) of an n-symbol segment given by LZ-diff entry `enc` against a
   * packed reference (counted on the reverse complement when `rc`) into dst[offset, offset + to - from).
   * `checkpoints` (from newCheckpoints, one per entry) lets later calls skip the tokens parsed before.
   */
  lzRange(
    ref: PackedReference,
    enc: Uint8Array,
    minMatchLen: number,
    n: number,
    from: number,
    to: number,
    dst: Uint8Array,
    offset: number,
    rc: boolean,
    checkpoints?: Uint32Array,
  ): void;
  /**
   * As lzRange, for an entry in the compact form the prefetch open keeps (agc::LzDiffCompact);
   * kernels without it get no compact packs.
   */
  lzCompactRange?: RangeKernels['lzRange'];
}

/** Symbols between the checkpoints of an LZ-diff entry: a range parses at most this many before it. */
export const CHECKPOINT_STEP = 1024;

/** Empty checkpoints for an LZ-diff entry of an n-symbol segment (see RangeKernels.lzRange). */
export function newCheckpoints(n: number): Uint32Array {
  const c = new Uint32Array(2 + 3 * (Math.ceil(n / CHECKPOINT_STEP) + 1));
  c[1] = CHECKPOINT_STEP;
  return c;
}

/** code -> letter, then letter -> complement letter (the native kernels' tables). */
export const LETTER_TABLES: Uint8Array = (() => {
  const t = new Uint8Array(512);
  t.set(CODE_TO_LETTER.subarray(0, 256), 0);
  t.set(LETTER_COMPLEMENT.subarray(0, 256), 256);
  return t;
})();

/** The native kernels. Their errors come out as agc-node errors (corrupt data: AgcCorruptError). */
export const nativeRangeKernels: RangeKernels = {
  decompressInto(frame, dst) {
    try {
      native.zstdDecompressInto(frame, dst);
    } catch (e) {
      throw fromNative(e);
    }
  },
  refRange(bytes, form, from, count, dst, offset, rc) {
    try {
      native.refRangeLetters(bytes, form, from, count, dst, offset, rc, LETTER_TABLES);
    } catch (e) {
      throw fromNative(e);
    }
  },
  lzRange(ref, enc, minMatchLen, n, from, to, dst, offset, rc, checkpoints) {
    try {
      native.lzDecodeRange(ref.bytes, ref.form, enc, minMatchLen, n, from, to, dst, offset, rc, LETTER_TABLES, checkpoints);
    } catch (e) {
      throw fromNative(e);
    }
  },
  lzCompactRange(ref, enc, minMatchLen, n, from, to, dst, offset, rc, checkpoints) {
    try {
      native.lzCompactDecodeRange(ref.bytes, ref.form, enc, minMatchLen, n, from, to, dst, offset, rc, LETTER_TABLES, checkpoints);
    } catch (e) {
      throw fromNative(e);
    }
  },
};

/**
 * The LZ-diff entries of a decompressed pack (`text`) in compact form (agc::LzDiffCompact) in
 * `dst` (at least as long as `text`), each followed by one separator byte: returns the
 * separators' positions (the pack's entry ends), or undefined when an entry is malformed.
 */
export function compactPack(text: Uint8Array, dst: Uint8Array, minMatchLen: number): Uint32Array | undefined {
  try {
    return native.compactPack(text, dst, minMatchLen);
  } catch (e) {
    throw fromNative(e);
  }
}

/**
 * The same on the TypeScript decoders: each reference is unpacked to letters once (kept while the
 * packed bytes live). Slow; it defines what the native kernels must produce.
 */
export function typescriptRangeKernels(decompress: (frame: Uint8Array, rawSize: number) => Uint8Array): RangeKernels {
  const letters = new WeakMap<Uint8Array, Uint8Array>();
  const unpack = (bytes: Uint8Array, form: RefForm): Uint8Array => {
    let l = letters.get(bytes);
    if (!l) {
      l = form === RefForm.TUPLES ? tuplesToSymbols(bytes, CODE_TO_LETTER) : Uint8Array.from(bytes, (c) => CODE_TO_LETTER[c]);
      letters.set(bytes, l);
    }
    return l;
  };
  return {
    decompressInto(frame, dst) {
      dst.set(decompress(frame, dst.length));
    },
    refRange(bytes, form, from, count, dst, offset, rc) {
      const l = unpack(bytes, form);
      const f0 = rc ? l.length - from - count : from;
      if (f0 < 0 || f0 + count > l.length) throw new AgcCorruptError('range outside the reference');
      const piece = l.subarray(f0, f0 + count);
      dst.set(rc ? reverseComplement(piece) : piece, offset);
    },
    lzRange(ref, enc, minMatchLen, n, from, to, dst, offset, rc) {
      const f0 = rc ? n - to : from;
      lzDiffDecodeRange(unpack(ref.bytes, ref.form), enc, minMatchLen, CODE_TO_LETTER, n, f0, f0 + (to - from), dst, offset);
      if (rc) dst.set(reverseComplement(dst.subarray(offset, offset + to - from)), offset);
    },
  };
}

/** Symbols of tuple-packed bytes (checks the marker as tuplesToSymbols does). */
function tupleLength(t: Uint8Array): number {
  if (t.length < 1) throw new SegmentDecodeError('tuple-packed reference is empty');
  const marker = t[t.length - 1];
  const nb = marker >> 4;
  const r = marker & 15;
  if (nb === 1) return t.length - 1;
  if ((nb !== 2 && nb !== 3 && nb !== 4) || r >= nb || t.length < 2) throw new SegmentDecodeError(`bad tuple marker 0x${marker.toString(16)}`);
  return (t.length - 2) * nb + r;
}

/**
 * A group's reference part (stream x…r, part 0; docs/format.md 5.3) in packed form: the raw codes
 * as stored, or what zstd gives, decompressed straight into a buffer of its own (no zero fill).
 */
export function packedReference(data: Uint8Array, metadata: number, kernels: RangeKernels, alloc?: (n: number) => Uint8Array | undefined): PackedReference {
  if (metadata === 0) return { bytes: data, form: RefForm.CODES, length: data.length };
  if (data.length < 2) throw new SegmentDecodeError('reference part too short');
  const method = data[data.length - 1];
  const frame = data.subarray(0, data.length - 1);
  let size: number;
  if (method === 0) {
    size = plausibleSize(frame, metadata);
  } else if (method === 1) {
    const declared = zstdFrameContentSize(frame);
    if (declared === undefined) throw new SegmentDecodeError('tuple-packed reference: zstd frame without content size');
    // A tuple byte holds at most 4 symbols: a larger claim is corrupt (and must not be allocated).
    if (declared > metadata + 2) throw new SegmentDecodeError(`tuple-packed reference: ${declared} packed bytes for ${metadata} symbols`);
    size = plausibleSize(frame, declared);
  } else throw new SegmentDecodeError(`unknown reference encoding marker ${method}`);
  const bytes = alloc?.(size) ?? Buffer.allocUnsafeSlow(size);
  kernels.decompressInto(frame, bytes);
  return decompressedReference(bytes, method, metadata);
}

/** A reference part whose zstd frame is decompressed to `bytes` (marker byte `method`, `metadata` symbols). */
export function decompressedReference(bytes: Uint8Array, method: number, metadata: number): PackedReference {
  if (method === 0) {
    if (bytes.length !== metadata) throw new SegmentDecodeError(`reference decompressed to ${bytes.length} bytes, expected ${metadata}`);
    return { bytes, form: RefForm.CODES, length: metadata };
  }
  if (method !== 1) throw new SegmentDecodeError(`unknown reference encoding marker ${method}`);
  const length = tupleLength(bytes);
  if (length !== metadata) throw new SegmentDecodeError(`reference unpacked to ${length} symbols, expected ${metadata}`);
  return { bytes, form: RefForm.TUPLES, length };
}

/**
 * A size claimed for a zstd frame, checked before it is allocated: the frame header must agree,
 * and no frame yields more than 128 KiB per 4 bytes (a block) of its own.
 */
function plausibleSize(frame: Uint8Array, rawSize: number): number {
  const declared = zstdFrameContentSize(frame);
  if ((declared !== undefined && declared !== rawSize) || rawSize / 131072 > frame.length / 4 + 1)
    throw new SegmentDecodeError(`zstd frame of ${frame.length} bytes cannot hold ${rawSize} bytes`);
  return rawSize;
}

/**
 * Raw size of a compressed pack part (zstd frame, then its marker byte; `metadata` the raw size),
 * checked against the frame before it is allocated.
 */
export function compressedPackSize(data: Uint8Array, metadata: number): number {
  if (data.length < 2) throw new SegmentDecodeError('pack part too short');
  return plausibleSize(data.subarray(0, data.length - 1), metadata);
}

/** A zstd decompressor into fresh buffers that are not zero-filled first (packs). */
export function decompressWith(kernels: RangeKernels): (frame: Uint8Array, rawSize: number) => Uint8Array {
  return (frame, rawSize) => {
    const out = Buffer.allocUnsafeSlow(plausibleSize(frame, rawSize));
    kernels.decompressInto(frame, out);
    return out;
  };
}
