// LZ-diff V2 encoder side (docs/format.md 5.6, 7.5): the sparse hash index over a
// group reference, Encode (byte-exact delta strings), Estimate (the group-choice cost, with upstream's
// quirks) and the per-symbol cost vector used to split segments. This is the hottest code of the
// compressor: no allocation per token, codes as two uint32 halves (kl <= 29 symbols = 58 bits).
import { murmur64Lo } from './kmer/murmur64.js';
import { BANG, COMMA, DIGIT_0, DOT, LIT_FIRST, MINUS, MIN_N_RUN, N_CODE, N_RUN, N_RUN_END } from '../format/lz-diff-tokens.js';

const HASHING_STEP = 4;
const MAX_TRIES = 64;
const MAX_LOAD_FACTOR = 0.7;
const PAD_SYMBOL = 31;
// Slots hold position/4 as int32 (-1 = empty): Int32Array loads stay small integers in V8, which keeps
// the match loops on fast integer indexing (a Uint32Array here made them an order of magnitude slower).
const EMPTY_SLOT = -1;

// Upper bound of a literal byte when scanning written output backwards for "same as reference".
const CH_Z = 0x5a;

/** Decimal digits of v capped at 8 (Estimate's uint_len). */
function ulen8(v: number): number {
  if (v < 10) return 1;
  if (v < 100) return 2;
  if (v < 1000) return 3;
  if (v < 10000) return 4;
  if (v < 100000) return 5;
  if (v < 1000000) return 6;
  if (v < 10000000) return 7;
  return 8;
}

/** Decimal digits of v capped at 10 (the cost vector's int_len). */
function dlen10(v: number): number {
  if (v < 10) return 1;
  if (v < 100) return 2;
  if (v < 1000) return 3;
  if (v < 10000) return 4;
  if (v < 100000) return 5;
  if (v < 1000000) return 6;
  if (v < 10000000) return 7;
  if (v < 100000000) return 8;
  if (v < 1000000000) return 9;
  return 10;
}

/** Lengths of text runs of code 4 starting at i: 0 unless text[i..i+2] are all N (caller ensures i+2 < n). */
function nRunLength(text: Uint8Array, i: number, n: number): number {
  if (text[i] !== N_CODE || text[i + 1] !== N_CODE || text[i + 2] !== N_CODE) return 0;
  let len = 3;
  const max = n - i;
  while (len < max && text[i + len] === N_CODE) len++;
  return len;
}

/**
 * LZ-diff V2 coder bound to one group reference (codes) and min match length L (`-l`, 15..32).
 * The hash index is built lazily on first use. Instances are not thread-safe but are reusable.
 */
export class LzDiff {
  /** Min match length L. */
  readonly minMatchLen: number;
  /** Key length kl = L - 3 (symbols per hashed code). */
  readonly keyLen: number;
  /** Reference length R (unpadded). */
  readonly refLength: number;
  private readonly padded: Uint8Array; // reference followed by kl padding symbols
  /**
   * Slots: (reference position / HASHING_STEP) << tagBits | low tagBits bits of the code there, or
   * EMPTY_SLOT. A probe whose tag differs cannot match kl symbols, so it is skipped without reading
   * the reference at a random position (same matches, fewer reads, no extra memory). tagBits is
   * what the position leaves free in 31 bits (0 for references of 2^31 symbols and more).
   */
  private ht: Int32Array | null = null;
  private tagBits = 0;
  private tagMask = 0;
  private htMask = 0;
  private readonly maskHi: number;
  private readonly maskLo: number;

  // Result registers of codeAt / findBestMatch (avoid allocating tuples).
  private cHi = 0;
  private cLo = 0;
  private mPos = 0;
  private mBack = 0;
  private mFwd = 0;

  // Growable output buffer of encode().
  private out = new Uint8Array(1024);
  private olen = 0;

  constructor(reference: Uint8Array, minMatchLen: number) {
    if (!Number.isInteger(minMatchLen) || minMatchLen < 15 || minMatchLen > 32) {
      throw new RangeError(`min match length ${minMatchLen} is outside 15..32`);
    }
    this.minMatchLen = minMatchLen;
    const kl = minMatchLen - HASHING_STEP + 1;
    this.keyLen = kl;
    this.refLength = reference.length;
    this.padded = new Uint8Array(reference.length + kl);
    this.padded.set(reference);
    this.padded.fill(PAD_SYMBOL, reference.length);
    const bits = 2 * kl;
    this.maskLo = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
    this.maskHi = bits > 32 ? (1 << (bits - 32)) - 1 : 0;
  }

  /** The reference (a view; do not modify). */
  get reference(): Uint8Array {
    return this.padded.subarray(0, this.refLength);
  }

  /** Number of hash slots (0 before the index is built). For tests. */
  get indexSize(): number {
    return this.ht ? this.ht.length : 0;
  }

  /** Build the index now (otherwise done on first encode/estimate/costs). */
  ensureIndex(): void {
    if (this.ht === null) this.buildIndex();
  }

  /** Pack s[i..i+kl) into (cHi, cLo); false if any symbol > 3. */
  private codeAt(s: Uint8Array, i: number): boolean {
    let hi = 0;
    let lo = 0;
    const end = i + this.keyLen;
    for (let j = i; j < end; j++) {
      const c = s[j]!;
      if (c > 3) return false;
      hi = ((hi << 2) | (lo >>> 30)) >>> 0;
      lo = ((lo << 2) | c) >>> 0;
    }
    this.cHi = hi;
    this.cLo = lo;
    return true;
  }

  private buildIndex(): void {
    const R = this.refLength;
    const kl = this.keyLen;
    const ref = this.padded;
    // Number of positions i = 0 mod 4 whose kl symbols are all ACGT (inside the unpadded reference).
    let cnt = 0;
    let run = 0;
    const klMod = kl % HASHING_STEP;
    for (let j = 0; j < R; j++) {
      run = ref[j]! < 4 ? run + 1 : 0;
      if ((j + 1) % HASHING_STEP === klMod && run >= kl) cnt++;
    }
    let size = Math.floor(cnt / MAX_LOAD_FACTOR);
    if (size > 0) {
      let p = 1;
      while (p * 2 <= size) p *= 2;
      size = p;
    }
    size *= 2;
    if (size < 8) size = 8;
    const mask = size - 1;
    const ht = new Int32Array(size).fill(EMPTY_SLOT);
    let posBits = 1;
    while (posBits < 31 && 2 ** posBits <= Math.floor(R / HASHING_STEP)) posBits++;
    const tagBits = Math.min(16, 31 - posBits);
    const tagMask = tagBits === 0 ? 0 : (1 << tagBits) - 1;
    this.tagBits = tagBits;
    this.tagMask = tagMask;
    for (let i = 0; i < R; i += HASHING_STEP) {
      if (!this.codeAt(ref, i)) continue;
      const pos = murmur64Lo(this.cHi, this.cLo) & mask;
      for (let t = 0; t < MAX_TRIES; t++) {
        const slot = (pos + t) & mask;
        if (ht[slot] === EMPTY_SLOT) {
          ht[slot] = ((i / HASHING_STEP) * (1 << tagBits)) | (this.cLo & tagMask);
          break;
        }
      }
    }
    this.ht = ht;
    this.htMask = mask;
  }

  /**
   * find_best_match: probe the slots of the current code (cHi, cLo); keep the longest back+fwd match
   * longer than L (first probe wins ties). Sets mPos/mBack/mFwd; returns whether one was found.
   */
  private findBestMatch(text: Uint8Array, i: number, n: number, lits: number): boolean {
    const ht = this.ht!;
    const tagBits = this.tagBits;
    const tagMask = this.tagMask;
    const mask = this.htMask;
    const ref = this.padded;
    const kl = this.keyLen;
    let best = this.minMatchLen;
    let found = false;
    const tag = this.cLo & tagMask;
    let h = murmur64Lo(this.cHi, this.cLo) & mask;
    const maxLen = n - i;
    for (let t = 0; t < MAX_TRIES; t++) {
      const v = ht[h]!;
      if (v === EMPTY_SLOT) break;
      // Different low symbols: fewer than kl symbols match, the slot cannot be chosen.
      if ((v & tagMask) !== tag) {
        h = (h + 1) & mask;
        continue;
      }
      const rp = (v >>> tagBits) * HASHING_STEP;
      let f = 0;
      while (f < maxLen && text[i + f] === ref[rp + f]) f++;
      if (f >= kl) {
        const bmax = lits < rp ? lits : rp;
        let b = 0;
        while (b < bmax && text[i - b - 1] === ref[rp - b - 1]) b++;
        if (b + f > best) {
          best = b + f;
          this.mPos = rp;
          this.mBack = b;
          this.mFwd = f;
          found = true;
        }
      }
      h = (h + 1) & mask;
    }
    return found;
  }

  /** text equals the reference. */
  private equalsReference(text: Uint8Array): boolean {
    const R = this.refLength;
    if (text.length !== R) return false;
    const ref = this.padded;
    for (let j = 0; j < R; j++) if (text[j] !== ref[j]) return false;
    return true;
  }

  /**
   * Code of the window at i: rolled from the previous one after a literal, else computed afresh
   * (mirrors upstream's get_code_skip1/get_code choice, which decides what is "invalid").
   */
  private nextCode(text: Uint8Array, i: number, prevValid: boolean, lits: number): boolean {
    if (prevValid && lits > 0) {
      const y = text[i + this.keyLen - 1]!;
      if (y > 3) return false;
      const hi = this.cHi;
      const lo = this.cLo;
      this.cHi = (((hi << 2) | (lo >>> 30)) & this.maskHi) >>> 0;
      this.cLo = (((lo << 2) | y) & this.maskLo) >>> 0;
      return true;
    }
    return this.codeAt(text, i);
  }

  // ---- output buffer ----
  private reserve(extra: number): void {
    if (this.olen + extra <= this.out.length) return;
    let cap = this.out.length * 2;
    while (cap < this.olen + extra) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.out.subarray(0, this.olen));
    this.out = nb;
  }

  private putByte(b: number): void {
    if (this.olen === this.out.length) this.reserve(1);
    this.out[this.olen++] = b;
  }

  /** ASCII decimal of a non-negative integer < 2^53. */
  private putUint(v: number): void {
    this.reserve(16);
    const out = this.out;
    if (v === 0) {
      out[this.olen++] = DIGIT_0;
      return;
    }
    const start = this.olen;
    while (v > 0) {
      const q = Math.floor(v / 10);
      out[this.olen++] = DIGIT_0 + (v - q * 10);
      v = q;
    }
    // digits were written least significant first
    for (let a = start, b = this.olen - 1; a < b; a++, b--) {
      const t = out[a]!;
      out[a] = out[b]!;
      out[b] = t;
    }
  }

  private putInt(v: number): void {
    if (v < 0) {
      this.putByte(MINUS);
      this.putUint(-v);
    } else this.putUint(v);
  }

  /**
   * CLZDiff_V2::Encode: the delta of `text` against the reference. Returns an empty array when
   * `text` equals the reference (the caller maps that to in_group_id 0). The result is a fresh array.
   */
  encode(text: Uint8Array): Uint8Array {
    if (this.equalsReference(text)) return new Uint8Array(0);
    this.ensureIndex();
    const n = text.length;
    const kl = this.keyLen;
    const L = this.minMatchLen;
    const R = this.refLength;
    const ref = this.padded;
    this.olen = 0;
    if (this.out.length < (n >>> 6) + 64) this.reserve((n >>> 6) + 64);
    let i = 0;
    let pred = 0;
    let lits = 0;
    let prevValid = false;
    while (i + kl < n) {
      const valid = this.nextCode(text, i, prevValid, lits);
      prevValid = valid;
      if (!valid) {
        const r = nRunLength(text, i, n);
        if (r >= MIN_N_RUN) {
          this.putByte(N_RUN);
          this.putUint(r - MIN_N_RUN);
          this.putByte(N_RUN_END);
          i += r;
          lits = 0;
        } else {
          this.putByte(LIT_FIRST + text[i]!);
          i++;
          pred++;
          lits++;
        }
        continue;
      }
      if (!this.findBestMatch(text, i, n, lits)) {
        this.putByte(LIT_FIRST + text[i]!);
        i++;
        pred++;
        lits++;
        continue;
      }
      let mpos = this.mPos;
      const lb = this.mBack;
      const tot = lb + this.mFwd;
      if (lb > 0) {
        this.olen -= lb;
        mpos -= lb;
        pred -= lb;
        i -= lb;
      }
      if (mpos === pred) {
        // Literals equal to the reference at their predicted position become '!'.
        const out = this.out;
        const e = this.olen;
        for (let t = 1; t < e && t < mpos; t++) {
          const b = out[e - t]!;
          if (b < LIT_FIRST || b > CH_Z) break;
          if (b - LIT_FIRST === ref[mpos - t]) out[e - t] = BANG;
        }
      }
      this.putInt(mpos - pred);
      if (!(i + tot === n && mpos + tot === R)) {
        this.putByte(COMMA);
        this.putUint(tot - L);
      }
      this.putByte(DOT);
      pred = mpos + tot;
      i += tot;
      lits = 0;
    }
    this.reserve(n - i);
    const out = this.out;
    while (i < n) out[this.olen++] = LIT_FIRST + text[i++]!;
    return out.slice(0, this.olen);
  }

  /**
   * CLZDiff_V2::Estimate: approximate encoded size of `text`, 0 when it equals the reference.
   * Reproduces upstream exactly: early exit once the cost exceeds `bound` (checked at the top of the
   * loop only), matches not rewound by their backward extension, digit lengths capped at 8, N runs
   * costed with ulen(r) and a final uint32 wrap-around of cost + (n - i).
   */
  estimate(text: Uint8Array, bound = 0xffffffff): number {
    if (this.equalsReference(text)) return 0;
    this.ensureIndex();
    const n = text.length;
    const kl = this.keyLen;
    const L = this.minMatchLen;
    const R = this.refLength;
    let cost = 0;
    let i = 0;
    let pred = 0;
    let lits = 0;
    let prevValid = false;
    while (i + kl < n) {
      if (cost > bound) return cost;
      const valid = this.nextCode(text, i, prevValid, lits);
      prevValid = valid;
      if (!valid) {
        const r = nRunLength(text, i, n);
        if (r >= MIN_N_RUN) {
          cost += 2 + ulen8(r);
          i += r;
          lits = 0;
        } else {
          cost++;
          i++;
          pred++;
          lits++;
        }
        continue;
      }
      if (!this.findBestMatch(text, i, n, lits)) {
        cost++;
        i++;
        pred++;
        lits++;
        continue;
      }
      const h = this.mPos;
      const tot = this.mBack + this.mFwd;
      const d = h - pred;
      let c = (d >= 0 ? ulen8(d) : 1 + ulen8(-d)) + 1;
      if (!(i + tot === n && h + tot === R)) c += 1 + ulen8(tot - L);
      cost += c;
      pred = h + tot;
      i += tot;
      lits = 0;
    }
    return (cost + (n - i)) >>> 0;
  }

  /**
   * GetCodingCostVector: one cost per symbol of `text` from the encoder's scan (literal 1; N run and
   * match costs placed on their first symbol when `prefix`, else on their last; rewound literals
   * removed). No equality shortcut, no '!' and no match-to-end special case, digit lengths capped at 10.
   */
  costs(text: Uint8Array, prefix: boolean): Uint32Array {
    this.ensureIndex();
    const n = text.length;
    const kl = this.keyLen;
    const L = this.minMatchLen;
    const v = new Uint32Array(n);
    let i = 0;
    let pred = 0;
    let lits = 0;
    let prevValid = false;
    while (i + kl < n) {
      const valid = this.nextCode(text, i, prevValid, lits);
      prevValid = valid;
      if (!valid) {
        const r = nRunLength(text, i, n);
        if (r >= MIN_N_RUN) {
          v[prefix ? i : i + r - 1] = 2 + dlen10(r - MIN_N_RUN);
          i += r;
          lits = 0;
        } else {
          v[i] = 1;
          i++;
          pred++;
          lits++;
        }
        continue;
      }
      if (!this.findBestMatch(text, i, n, lits)) {
        v[i] = 1;
        i++;
        pred++;
        lits++;
        continue;
      }
      let mpos = this.mPos;
      const lb = this.mBack;
      const tot = lb + this.mFwd;
      if (lb > 0) {
        for (let j = i - lb; j < i; j++) v[j] = 0;
        mpos -= lb;
        pred -= lb;
        i -= lb;
      }
      const d = mpos - pred;
      const tc = (d >= 0 ? dlen10(d) : dlen10(-d) + 1) + dlen10(tot - L) + 2;
      v[prefix ? i : i + tot - 1] = tc;
      pred = mpos + tot;
      i += tot;
      lits = 0;
    }
    for (; i < n; i++) v[i] = 1;
    return v;
  }
}
