// Decoder of LZ-diff encoded segments (docs/format.md 5.5; the v1 encoding is a subset of the same
// grammar, so one decoder serves every archive version). The reference and the output live in the
// same symbol space: letters when `symbols` is CODE_TO_LETTER, codes when it is the identity. That
// lets the reader keep references as letters and never convert a delta-coded segment again.

/** Corrupt or truncated LZ-diff data (an AgcCorruptError, code AGC_CORRUPT). */
export class LzDiffError extends AgcCorruptError {
  override name = 'LzDiffError';
}

import { AgcCorruptError } from '../errors.js';
import { BANG, COMMA, DIGIT_0, DIGIT_9, DOT, LIT_FIRST, LIT_LAST, MINUS, MIN_N_RUN, N_CODE, N_RUN, N_RUN_END } from './lz-diff-tokens.js';

// Short copies are cheaper as a loop than as subarray()+set(), which allocate.
const SHORT_COPY = 32;

/**
 * Decode one LZ-diff entry against `ref`.
 * @param ref decoded reference segment, in output symbol space
 * @param enc the encoded entry (one pack entry, without its 0xFF terminator)
 * @param minMatchLen `min_match_len` from the archive params
 * @param symbols maps a literal's code (0..20) and the N code to output bytes
 * @param expectedLength the segment length if known (raw_length); only sizes the first buffer
 */
export function lzDiffDecode(ref: Uint8Array, enc: Uint8Array, minMatchLen: number, symbols: Uint8Array, expectedLength?: number): Uint8Array {
  const refLen = ref.length;
  const encLen = enc.length;
  let out: Uint8Array = new Uint8Array(expectedLength !== undefined && expectedLength > 0 ? expectedLength : Math.max(64, refLen));
  let n = 0;
  let pred = 0;
  let p = 0;

  while (p < encLen) {
    const b = enc[p];
    if (b >= LIT_FIRST && b <= LIT_LAST) {
      if (n === out.length) out = grow(out, n + 1);
      out[n++] = symbols[b - LIT_FIRST];
      pred++;
      p++;
    } else if (b === BANG) {
      if (pred >= refLen) throw new LzDiffError(`LZ-diff: same-as-reference literal beyond the reference end (${pred} >= ${refLen})`);
      if (n === out.length) out = grow(out, n + 1);
      out[n++] = ref[pred];
      pred++;
      p++;
    } else if (b === N_RUN) {
      p++;
      let v = 0;
      const start = p;
      while (p < encLen && enc[p] >= DIGIT_0 && enc[p] <= DIGIT_9) v = v * 10 + (enc[p++] - DIGIT_0);
      if (p === start || p >= encLen || enc[p] !== N_RUN_END) throw new LzDiffError('LZ-diff: malformed N-run');
      p++;
      const len = v + MIN_N_RUN;
      if (n + len > out.length) out = grow(out, n + len);
      out.fill(symbols[N_CODE], n, n + len);
      n += len;
    } else {
      // match: signed offset from pred, optional ",len-mml", then '.'
      let neg = false;
      if (b === MINUS) {
        neg = true;
        p++;
      }
      let off = 0;
      const start = p;
      while (p < encLen && enc[p] >= DIGIT_0 && enc[p] <= DIGIT_9) off = off * 10 + (enc[p++] - DIGIT_0);
      if (p === start || p >= encLen) throw new LzDiffError(`LZ-diff: unexpected byte 0x${b.toString(16)} at ${start - (neg ? 1 : 0)}`);
      const rp = neg ? pred - off : pred + off;
      let len: number;
      if (enc[p] === COMMA) {
        p++;
        let v = 0;
        const s2 = p;
        while (p < encLen && enc[p] >= DIGIT_0 && enc[p] <= DIGIT_9) v = v * 10 + (enc[p++] - DIGIT_0);
        if (p === s2 || p >= encLen || enc[p] !== DOT) throw new LzDiffError('LZ-diff: malformed match length');
        len = v + minMatchLen;
      } else if (enc[p] === DOT) {
        len = refLen - rp;
      } else {
        throw new LzDiffError(`LZ-diff: malformed match at ${start}`);
      }
      p++; // '.'
      if (rp < 0 || len < 0 || rp + len > refLen) throw new LzDiffError(`LZ-diff: match [${rp}, ${rp + len}) outside the reference (length ${refLen})`);
      if (n + len > out.length) out = grow(out, n + len);
      if (len < SHORT_COPY) {
        for (let i = 0; i < len; i++) out[n + i] = ref[rp + i];
      } else {
        out.set(ref.subarray(rp, rp + len), n);
      }
      n += len;
      pred = rp + len;
    }
  }
  return n === out.length ? out : out.slice(0, n);
}

function grow(a: Uint8Array, need: number): Uint8Array {
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

// Per symbols table: token byte -> output symbol for literals ('A'..'U'), -1 for '!', -2 otherwise.
const tokenTables = new WeakMap<Uint8Array, Int16Array>();
function tokenTable(symbols: Uint8Array): Int16Array {
  let t = tokenTables.get(symbols);
  if (!t) {
    t = new Int16Array(256).fill(-2);
    for (let b = LIT_FIRST; b <= LIT_LAST; b++) t[b] = symbols[b - LIT_FIRST];
    t[BANG] = -1;
    tokenTables.set(symbols, t);
  }
  return t;
}

// The hot loops below are small functions of their own: V8 optimises a small single-path
// function soon after it gets hot, while one large function with many branches is compiled
// later and deoptimised whenever a branch runs for the first time. In a short-lived CLI process
// that warm-up is a large share of the decoding time.

/**
 * Forward run of literal / '!' tokens from enc[p] into dst[d...]; returns the index of the first
 * token that is neither (each token yields one symbol, so the count is the return value - p).
 * refBase: '!' at dst index i copies ref[i + refBase].
 */
function literalsForward(enc: Uint8Array, p: number, tab: Int16Array, dst: Uint8Array, d: number, limit: number, ref: Uint8Array, refBase: number): number {
  const encLen = enc.length;
  const refLen = ref.length;
  for (; p < encLen; p++, d++) {
    const t = tab[enc[p]];
    if (t === -2) break;
    if (d >= limit) throw new LzDiffError('LZ-diff: entry decodes to more symbols than the segment has');
    if (t >= 0) dst[d] = t;
    else {
      const r = d + refBase;
      if (r >= refLen) throw new LzDiffError(`LZ-diff: same-as-reference literal beyond the reference end (${r} >= ${refLen})`);
      dst[d] = ref[r];
    }
  }
  return p;
}

/** As literalsForward, writing downwards from dst[d] (reverse-complemented output); '!' at i copies ref[i + refBase]. */
function literalsReverse(enc: Uint8Array, p: number, tab: Int16Array, dst: Uint8Array, d: number, limit: number, ref: Uint8Array, refBase: number): number {
  const encLen = enc.length;
  for (; p < encLen; p++, d--) {
    const t = tab[enc[p]];
    if (t === -2) break;
    if (d < limit) throw new LzDiffError('LZ-diff: entry decodes to more symbols than the segment has');
    if (t >= 0) dst[d] = t;
    else {
      const r = d + refBase;
      if (r < 0) throw new LzDiffError('LZ-diff: same-as-reference literal beyond the reference end');
      dst[d] = ref[r];
    }
  }
  return p;
}

/**
 * Copy ref[s, s + len) to dst[d, d + len). When both live in `space` (a view of their common
 * buffer from byte 0), copyWithin does it without allocating; otherwise short copies go by a loop
 * and long ones through subarray()+set(), which allocates a view and costs about three times as
 * much per call.
 */
function copyBlock(ref: Uint8Array, s: number, len: number, dst: Uint8Array, d: number, space: Uint8Array | undefined): void {
  if (space !== undefined) {
    const from = ref.byteOffset + s;
    space.copyWithin(dst.byteOffset + d, from, from + len);
  } else if (len < SHORT_COPY) for (let i = 0; i < len; i++) dst[d + i] = ref[s + i];
  else dst.set(ref.subarray(s, s + len), d);
}

/**
 * Decode one LZ-diff entry of known decoded length `n` straight into `dst[offset, offset + n)`.
 *
 * With `reverse`, what is written is the reverse complement of the decoded segment: `ref` must
 * then be the reverse complement of the reference and `symbols` must map a code to its
 * complemented letter. Every match is still one block copy (ref[rp, rp+len) reversed and
 * complemented is refRc[refLen-rp-len, refLen-rp)), so reverse-complemented segments decode as
 * fast as forward ones instead of needing a per-symbol pass afterwards.
 *
 * Divergent segments are mostly single-symbol tokens, so runs of literals and '!' are decoded by
 * a tight loop per direction.
 *
 * `space`, when given, is a view from byte 0 of a buffer that may hold both `ref` and `dst`;
 * matches are then copied within it.
 *
 * Throws LzDiffError when the entry does not decode to exactly `n` symbols.
 */
export function lzDiffDecodeInto(
  ref: Uint8Array,
  enc: Uint8Array,
  minMatchLen: number,
  symbols: Uint8Array,
  dst: Uint8Array,
  offset: number,
  n: number,
  reverse: boolean,
  space?: Uint8Array,
): void {
  const refLen = ref.length;
  const encLen = enc.length;
  const tab = tokenTable(symbols);
  const shared = space !== undefined && space.byteOffset === 0 && ref.buffer === space.buffer && dst.buffer === space.buffer ? space : undefined;
  // o = symbols decoded so far (position in the forward segment); forward writes go to
  // offset + o, reverse writes to offset + n - 1 - o (mirrored blocks for runs and matches).
  let o = 0;
  let pred = 0;
  let p = 0;
  while (p < encLen) {
    const b = enc[p];
    if (tab[b] !== -2) {
      let q: number;
      if (!reverse) {
        const d = offset + o;
        q = literalsForward(enc, p, tab, dst, d, offset + n, ref, pred - d);
      } else {
        // forward position o' = offset + n - 1 - d; reference position pred + (o' - o);
        // in the reversed reference that is refLen - 1 - (pred + o' - o) = d + rbase
        const d = offset + n - 1 - o;
        q = literalsReverse(enc, p, tab, dst, d, offset, ref, refLen - 1 - pred + o - (offset + n - 1));
      }
      o += q - p;
      pred += q - p;
      p = q;
    } else if (b === N_RUN) {
      p = nRun(enc, p + 1, symbols[N_CODE], dst, offset, n, o, reverse);
      o += nRunLength;
    } else {
      p = parseMatch(enc, p, pred, refLen, minMatchLen);
      const rp = matchPos;
      const len = matchLen;
      if (o + len > n) throw new LzDiffError(`LZ-diff: entry decodes to more than ${n} symbols`);
      if (reverse) copyBlock(ref, refLen - rp - len, len, dst, offset + n - o - len, shared);
      else copyBlock(ref, rp, len, dst, offset + o, shared);
      o += len;
      pred = rp + len;
    }
  }
  if (o !== n) throw new LzDiffError(`LZ-diff: entry decodes to ${o} symbols, expected ${n}`);
}

// Second results of nRun / parseMatch (module state instead of an allocated pair).
let nRunLength = 0;
let matchPos = 0;
let matchLen = 0;

/** N-run starting at enc[p] (after its marker): fills dst, sets nRunLength, returns the next index. */
function nRun(enc: Uint8Array, p: number, nSym: number, dst: Uint8Array, offset: number, n: number, o: number, reverse: boolean): number {
  const encLen = enc.length;
  let v = 0;
  const start = p;
  while (p < encLen && enc[p] >= DIGIT_0 && enc[p] <= DIGIT_9) v = v * 10 + (enc[p++] - DIGIT_0);
  if (p === start || p >= encLen || enc[p] !== N_RUN_END) throw new LzDiffError('LZ-diff: malformed N-run');
  const len = v + MIN_N_RUN;
  if (o + len > n) throw new LzDiffError(`LZ-diff: entry decodes to more than ${n} symbols`);
  if (reverse) dst.fill(nSym, offset + n - o - len, offset + n - o);
  else dst.fill(nSym, offset + o, offset + o + len);
  nRunLength = len;
  return p + 1;
}

/**
 * Match token at enc[p]: signed offset from pred, optional ",len-mml", then '.'. Sets matchPos
 * and matchLen (checked against the reference) and returns the index after the '.'.
 */
function parseMatch(enc: Uint8Array, p: number, pred: number, refLen: number, minMatchLen: number): number {
  const encLen = enc.length;
  const b = enc[p];
  let neg = false;
  if (b === MINUS) {
    neg = true;
    p++;
  }
  let off = 0;
  const start = p;
  let c = 0;
  while (p < encLen && (c = enc[p]) >= DIGIT_0 && c <= DIGIT_9) {
    off = off * 10 + (c - DIGIT_0);
    p++;
  }
  if (p === start || p >= encLen) throw new LzDiffError(`LZ-diff: unexpected byte 0x${b.toString(16)} at ${start - (neg ? 1 : 0)}`);
  const rp = neg ? pred - off : pred + off;
  let len: number;
  if (c === COMMA) {
    p++;
    let v = 0;
    const s2 = p;
    while (p < encLen && (c = enc[p]) >= DIGIT_0 && c <= DIGIT_9) {
      v = v * 10 + (c - DIGIT_0);
      p++;
    }
    if (p === s2 || p >= encLen || c !== DOT) throw new LzDiffError('LZ-diff: malformed match length');
    len = v + minMatchLen;
  } else if (c === DOT) {
    len = refLen - rp;
  } else {
    throw new LzDiffError(`LZ-diff: malformed match at ${start}`);
  }
  if (rp < 0 || len < 0 || rp + len > refLen) throw new LzDiffError(`LZ-diff: match [${rp}, ${rp + len}) outside the reference (length ${refLen})`);
  matchPos = rp;
  matchLen = len;
  return p + 1;
}

/**
 * Decode only symbols [from, to) of an LZ-diff entry (forward orientation) into
 * dst[offset, offset + to - from). The tokens before `from` are parsed but not expanded and
 * parsing stops at `to`, so a short range of a long segment costs little more than its own length
 * plus a scan of the (small) encoded entry: random access needs no whole-segment decode and no
 * cache of decoded segments. `n` is the segment's decoded length (raw_length), checked as far as
 * the entry is read.
 */
export function lzDiffDecodeRange(
  ref: Uint8Array,
  enc: Uint8Array,
  minMatchLen: number,
  symbols: Uint8Array,
  n: number,
  from: number,
  to: number,
  dst: Uint8Array,
  offset: number,
): void {
  const refLen = ref.length;
  const encLen = enc.length;
  const tab = tokenTable(symbols);
  const base = offset - from; // dst index of forward position x is base + x
  let o = 0;
  let pred = 0;
  let p = 0;
  while (p < encLen && o < to) {
    const b = enc[p];
    if (tab[b] !== -2) {
      // a run of one-symbol tokens: skip to its end, then expand only the part inside the range
      const q = literalRunEnd(enc, p, tab);
      const m = q - p;
      if (o + m > n) throw new LzDiffError(`LZ-diff: entry decodes to more than ${n} symbols`);
      const s = o > from ? o : from;
      const e = o + m < to ? o + m : to;
      if (s < e) literalsCount(enc, p + (s - o), e - s, tab, dst, base + s, ref, pred - o - base);
      o += m;
      pred += m;
      p = q;
    } else if (b === N_RUN) {
      // nRun writes a whole run; fill only the overlap here
      let v = 0;
      const start = ++p;
      while (p < encLen && enc[p] >= DIGIT_0 && enc[p] <= DIGIT_9) v = v * 10 + (enc[p++] - DIGIT_0);
      if (p === start || p >= encLen || enc[p] !== N_RUN_END) throw new LzDiffError('LZ-diff: malformed N-run');
      p++;
      const len = v + MIN_N_RUN;
      if (o + len > n) throw new LzDiffError(`LZ-diff: entry decodes to more than ${n} symbols`);
      const s = Math.max(o, from);
      const e = Math.min(o + len, to);
      if (s < e) dst.fill(symbols[N_CODE], base + s, base + e);
      o += len;
    } else {
      p = parseMatch(enc, p, pred, refLen, minMatchLen);
      const rp = matchPos;
      const len = matchLen;
      if (o + len > n) throw new LzDiffError(`LZ-diff: entry decodes to more than ${n} symbols`);
      const s = Math.max(o, from);
      const e = Math.min(o + len, to);
      if (s < e) copyBlock(ref, rp + (s - o), e - s, dst, base + s, undefined);
      o += len;
      pred = rp + len;
    }
  }
  if (o < to) throw new LzDiffError(`LZ-diff: entry decodes to ${o} symbols, expected ${n}`);
}

/** Index of the first token at or after p that is not a one-symbol token (literal or '!'). */
function literalRunEnd(enc: Uint8Array, p: number, tab: Int16Array): number {
  const encLen = enc.length;
  while (p < encLen && tab[enc[p]] !== -2) p++;
  return p;
}

/** Expand exactly `count` one-symbol tokens from enc[p] into dst[d...]; '!' at i copies ref[i + refBase]. */
function literalsCount(enc: Uint8Array, p: number, count: number, tab: Int16Array, dst: Uint8Array, d: number, ref: Uint8Array, refBase: number): void {
  const refLen = ref.length;
  for (const end = p + count; p < end; p++, d++) {
    const t = tab[enc[p]];
    if (t >= 0) dst[d] = t;
    else {
      const r = d + refBase;
      if (r >= refLen) throw new LzDiffError(`LZ-diff: same-as-reference literal beyond the reference end (${r} >= ${refLen})`);
      dst[d] = ref[r];
    }
  }
}
