// Output side of the AGC symbol alphabet (docs/format.md 5.1). Decoded sequence is kept as ASCII letters
// rather than numeric codes so that FASTA output and getSequence() need no further conversion;
// every decoder maps codes to letters once, through CODE_TO_LETTER.

import { CODE_TO_LETTER } from './alphabet.js';

/** Letter of each symbol code 0..15; every other code prints as a space, as upstream does. */
export { CODE_TO_LETTER };

/** Letter of the complement of each code: ACGT complemented, every other code as CODE_TO_LETTER. */
export const CODE_TO_COMPLEMENT_LETTER: Uint8Array = (() => {
  const t = CODE_TO_LETTER.slice();
  for (let c = 0; c < 4; c++) t[c] = CODE_TO_LETTER[3 - c];
  return t;
})();

/** Identity map, for callers that want numeric codes out of the decoders. */
export const CODE_IDENTITY: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  return t;
})();

/**
 * Complement in letter space: only A, C, G, T are complemented; IUPAC codes are left as they are
 * (upstream's reverse complement maps codes < 4 only).
 */
export const LETTER_COMPLEMENT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  const pairs: [string, string][] = [
    ['A', 'T'],
    ['C', 'G'],
  ];
  for (const [a, b] of pairs) {
    t[a.charCodeAt(0)] = b.charCodeAt(0);
    t[b.charCodeAt(0)] = a.charCodeAt(0);
  }
  return t;
})();

/** Complement in code space (codes < 4 map to 3 - c). */
export const CODE_COMPLEMENT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i < 4 ? 3 - i : i;
  return t;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const pairTables = new WeakMap<Uint8Array, Uint16Array>();

/** For each 16-bit little-endian pair of bytes (a, b): the pair (complement[b], complement[a]). */
function pairTable(complement: Uint8Array): Uint16Array {
  let t = pairTables.get(complement);
  if (!t) {
    t = new Uint16Array(65536);
    for (let x = 0; x < 65536; x++) t[x] = complement[x >> 8] | (complement[x & 255] << 8);
    pairTables.set(complement, t);
  }
  return t;
}

/**
 * Reverse complement of `src` (letters with LETTER_COMPLEMENT, codes with CODE_COMPLEMENT) in a
 * new array. Long inputs are processed two symbols per step through a 64 Ki pair table (the
 * result then may be a view starting at byte 1 of its buffer, for odd lengths).
 */
export function reverseComplement(src: Uint8Array, complement: Uint8Array = LETTER_COMPLEMENT): Uint8Array {
  const n = src.length;
  if (n >= 4096 && LITTLE_ENDIAN && (src.byteOffset & 1) === 0) {
    const t = pairTable(complement);
    const odd = n & 1;
    const buf = new Uint8Array(n + odd);
    const words = n >> 1;
    const s16 = new Uint16Array(src.buffer, src.byteOffset, words);
    const d16 = new Uint16Array(buf.buffer, 0, words + odd);
    if (odd) {
      // buf[j] = complement(src[n - j]) for j >= 1; word w >= 1 holds src words (n-1)/2 - w.
      buf[1] = complement[src[n - 1]];
      for (let w = 1, r = words - 1; w <= words; w++, r--) d16[w] = t[s16[r]];
      return buf.subarray(1);
    }
    for (let w = 0, r = words - 1; w < words; w++, r--) d16[w] = t[s16[r]];
    return buf;
  }
  const dst = new Uint8Array(n);
  for (let i = 0, j = n - 1; i < n; i++, j--) dst[i] = complement[src[j]];
  return dst;
}
