// The bytes of the LZ-diff grammar (docs/format.md 5.5), shared by the encoder
// (write/lz-diff-encode.ts) and the decoder (format/lz-diff-decode.ts) so the two cannot drift.

/** A literal symbol is stored as LIT_FIRST + its code (codes 0..20 occur: LIT_FIRST..LIT_LAST). */
export const LIT_FIRST = 0x41; // 'A'
export const LIT_LAST = 0x55; // 'A' + 20
/** "Same symbol as the reference at this position" (a literal that equals the reference). */
export const BANG = 0x21; // '!'
/** Match: [-]<reference position delta>,<length - min match length>. */
export const MINUS = 0x2d; // '-'
export const COMMA = 0x2c; // ','
export const DOT = 0x2e; // '.'
export const DIGIT_0 = 0x30; // '0'
export const DIGIT_9 = 0x39; // '9'
/** A run of N: N_RUN <decimal run length - MIN_N_RUN> N_RUN_END. */
export const N_RUN = 0x1e;
export const N_RUN_END = 0x04;
/** Shortest run of N symbols written as an N-run token. */
export const MIN_N_RUN = 4;
/** Alphabet code of N (also the byte that ends an N-run). */
export const N_CODE = 4;
