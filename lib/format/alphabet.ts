// Symbol alphabet of AGC (docs/format.md 5.1): FASTA bytes <-> numeric codes.
// Codes 0..3 are ACGT (the only symbols k-mers and LZ hashing accept), 4 is N, 5..15 IUPAC/U,
// 30 "any other byte 64..127", 32 for '@' and '`'.

/** Table value for a byte that FASTA conversion drops (every byte < 64: newlines, digits, '-', ...). */
export const SYMBOL_DROP = 0xfe;
/** Table value for a byte >= 128: undefined behaviour upstream, rejected here. */
export const SYMBOL_INVALID = 0xff;

/** Code of every byte 64..127 that is not one of the 16 letters, '@' or '`'. */
export const CODE_OTHER = 30;
/** Code of '@' and '`'. */
export const CODE_AT = 32;

const LETTERS = 'ACGTNRYSWKMBDHVU';

/**
 * byte -> code for every byte value: a code (0..15, 30, 32), SYMBOL_DROP (< 64) or
 * SYMBOL_INVALID (>= 128). Shared and frozen by convention: never write to it.
 */
export const BYTE_TO_CODE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 64; c++) t[c] = SYMBOL_DROP;
  for (let c = 64; c < 128; c++) t[c] = CODE_OTHER;
  for (let c = 128; c < 256; c++) t[c] = SYMBOL_INVALID;
  t[64] = CODE_AT; // '@'
  t[96] = CODE_AT; // '`'
  for (let i = 0; i < LETTERS.length; i++) {
    t[LETTERS.charCodeAt(i)] = i;
    t[LETTERS.charCodeAt(i) + 32] = i; // lower case
  }
  return t;
})();

/**
 * code -> output byte (ASCII letter) for every code value 0..255. Codes 0..15 are letters; everything
 * else prints as a space, as upstream does for 30 and 32 (other codes never occur in valid data).
 */
export const CODE_TO_LETTER: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(0x20);
  for (let i = 0; i < LETTERS.length; i++) t[i] = LETTERS.charCodeAt(i);
  return t;
})();

/** Result of {@link convertBytes}. */
export interface ConvertResult {
  /** Number of codes written to `out`. */
  written: number;
  /** Index in `src` of the first byte >= 128, or -1 when there is none (conversion stops there). */
  badIndex: number;
}

/**
 * Convert raw FASTA body bytes `src` into codes written to `out` starting at `outPos`.
 * Bytes < 64 are dropped. Conversion stops at the first byte >= 128 (reported in `badIndex`).
 * `out` must have room for `src.length` codes after `outPos`.
 */
export function convertBytes(src: Uint8Array, out: Uint8Array, outPos = 0): ConvertResult {
  const table = BYTE_TO_CODE;
  let w = outPos;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src[i]!;
    if (c < 64) continue;
    const code = table[c]!;
    if (code === SYMBOL_INVALID) return { written: w - outPos, badIndex: i };
    out[w++] = code;
  }
  return { written: w - outPos, badIndex: -1 };
}

/** Convert an ASCII sequence (e.g. "ACGTN") to codes; throws on bytes >= 128. For tests and small inputs. */
export function codesFromString(s: string): Uint8Array {
  // no Buffer: lib/format/ is shared with the browser build
  const src = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) src[i] = s.charCodeAt(i) & 0xff;
  const out = new Uint8Array(src.length);
  const r = convertBytes(src, out);
  if (r.badIndex >= 0) throw new RangeError(`byte 0x${src[r.badIndex]!.toString(16).toUpperCase()} at index ${r.badIndex} is not a valid sequence symbol`);
  return out.subarray(0, r.written);
}

/** Codes -> ASCII letters (codes >= 16 print as spaces). */
export function codesToString(codes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < codes.length; i++) out += String.fromCharCode(CODE_TO_LETTER[codes[i]!]!);
  return out;
}

/** Complement of one code: 3 - c for ACGT, every other code unchanged (IUPAC is not complemented). */
export function complementCode(c: number): number {
  return c < 4 ? 3 - c : c;
}

/**
 * Reverse complement of `src` into a new array, or into `dst` (same length, must not overlap `src`
 * unless it is `src` itself, in which case {@link reverseComplementInPlace} is used).
 */
export function reverseComplement(src: Uint8Array, dst?: Uint8Array): Uint8Array {
  const n = src.length;
  if (dst === src) return reverseComplementInPlace(src);
  const out = dst ?? new Uint8Array(n);
  if (out.length < n) throw new RangeError('reverseComplement: destination too short');
  for (let i = 0, j = n - 1; i < n; i++, j--) {
    const c = src[j]!;
    out[i] = c < 4 ? 3 - c : c;
  }
  return out;
}

/** Reverse complement `seq` in place; returns it. */
export function reverseComplementInPlace(seq: Uint8Array): Uint8Array {
  let i = 0;
  let j = seq.length - 1;
  while (i < j) {
    const a = seq[i]!;
    const b = seq[j]!;
    seq[i] = b < 4 ? 3 - b : b;
    seq[j] = a < 4 ? 3 - a : a;
    i++;
    j--;
  }
  if (i === j) {
    const c = seq[i]!;
    seq[i] = c < 4 ? 3 - c : c;
  }
  return seq;
}
