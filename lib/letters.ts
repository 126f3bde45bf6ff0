// Output side of the AGC symbol alphabet (format.md 5.1). Decoded sequence is kept as ASCII letters
// rather than numeric codes so that FASTA output and getSequence() need no further conversion;
// every decoder maps codes to letters once, through CODE_TO_LETTER.

/** Letter of each symbol code 0..15; every other code prints as a space, as upstream does. */
export const CODE_TO_LETTER: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(0x20);
  const letters = 'ACGTNRYSWKMBDHVU';
  for (let i = 0; i < letters.length; i++) t[i] = letters.charCodeAt(i);
  return t;
})();

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

/** Map every byte of `src` through `table` into `dst` (same length; may be the same array). */
export function mapBytes(src: Uint8Array, table: Uint8Array, dst: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  const n = src.length;
  for (let i = 0; i < n; i++) dst[i] = table[src[i]];
  return dst;
}

/** Reverse complement of `src` (letters with LETTER_COMPLEMENT, codes with CODE_COMPLEMENT), new array. */
export function reverseComplement(src: Uint8Array, complement: Uint8Array = LETTER_COMPLEMENT): Uint8Array {
  const n = src.length;
  const dst = new Uint8Array(n);
  for (let i = 0, j = n - 1; i < n; i++, j--) dst[i] = complement[src[j]];
  return dst;
}
