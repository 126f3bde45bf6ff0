// Canonical k-mers (docs/format.md 7.2) as two uint32 halves, so hot loops never touch BigInt.
// A k-mer (17 <= k <= 32) is left-aligned in 64 bits: symbol i (0 = oldest) sits in bits 63-2i..62-2i,
// the low 64-2k bits are zero. hi = bits 63..32, lo = bits 31..0, both as unsigned numbers.

export const MIN_K = 17;
export const MAX_K = 32;

/** The "absent" marker ~0 (never a canonical value: all-T has canonical value 0). */
export const KMER_NONE_HI = 0xffffffff;
export const KMER_NONE_LO = 0xffffffff;

/** Unsigned 64-bit comparison of (hi1, lo1) and (hi2, lo2): -1, 0 or 1. */
export function compareKmers(hi1: number, lo1: number, hi2: number, lo2: number): number {
  if (hi1 !== hi2) return hi1 < hi2 ? -1 : 1;
  if (lo1 !== lo2) return lo1 < lo2 ? -1 : 1;
  return 0;
}

/** Alias kept for the documented API name. */
export const compare = compareKmers;

/** (hi, lo) -> bigint (storage and tests only). */
export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** bigint -> [hi, lo] (storage and tests only). */
export function fromBigInt(v: bigint): [number, number] {
  const x = BigInt.asUintN(64, v);
  return [Number(x >> 32n), Number(x & 0xffffffffn)];
}

/**
 * Rolling canonical k-mer over a sequence of codes. Push codes 0..3; call reset() on any other code.
 * After k pushes since the last reset the window is full and dir/rc hold the left-aligned forward and
 * reverse-complement k-mers (before that their content is meaningless, except right after reset()
 * when both are 0 like upstream's empty k-mer).
 */
export class KmerScanner {
  readonly k: number;
  /** Forward k-mer, high and low 32 bits. */
  dirHi = 0;
  dirLo = 0;
  /** Reverse complement, high and low 32 bits. */
  rcHi = 0;
  rcLo = 0;
  /** Number of symbols pushed since the last reset, saturating at k. */
  len = 0;
  private readonly shift: number; // 64 - 2k: bit position of the newest symbol in dir (always in lo)
  private readonly loMask: number; // low 32 bits of the 2k-bit left-aligned mask

  constructor(k: number) {
    if (!Number.isInteger(k) || k < MIN_K || k > MAX_K) throw new RangeError(`k-mer length ${k} is outside ${MIN_K}..${MAX_K}`);
    this.k = k;
    this.shift = 64 - 2 * k;
    this.loMask = (0xffffffff << this.shift) >>> 0;
  }

  reset(): void {
    this.dirHi = 0;
    this.dirLo = 0;
    this.rcHi = 0;
    this.rcLo = 0;
    this.len = 0;
  }

  /** Append a symbol 0..3 (the caller resets on codes > 3). */
  push(x: number): void {
    const dl = this.dirLo;
    this.dirHi = ((this.dirHi << 2) | (dl >>> 30)) >>> 0;
    this.dirLo = ((dl << 2) | (x << this.shift)) >>> 0;
    const rh = this.rcHi;
    this.rcLo = ((this.rcLo >>> 2) | (rh << 30)) & this.loMask;
    this.rcLo >>>= 0;
    this.rcHi = ((rh >>> 2) | ((3 - x) << 30)) >>> 0;
    if (this.len < this.k) this.len++;
  }

  isFull(): boolean {
    return this.len === this.k;
  }

  /** dir <= rc (palindromes count as direct). */
  isDirOriented(): boolean {
    return this.dirHi < this.rcHi || (this.dirHi === this.rcHi && this.dirLo <= this.rcLo);
  }

  /** High 32 bits of the canonical value min(dir, rc). */
  get canonHi(): number {
    return this.isDirOriented() ? this.dirHi : this.rcHi;
  }

  /** Low 32 bits of the canonical value min(dir, rc). */
  get canonLo(): number {
    return this.isDirOriented() ? this.dirLo : this.rcLo;
  }

  /** dir !== rc (false for palindromes, whose orientation is undefined). */
  isAsymmetric(): boolean {
    return this.dirHi !== this.rcHi || this.dirLo !== this.rcLo;
  }

  /** Exchange dir and rc (canonical value unchanged; orientation flips unless palindromic). */
  swapDirRc(): void {
    const h = this.dirHi;
    const l = this.dirLo;
    this.dirHi = this.rcHi;
    this.dirLo = this.rcLo;
    this.rcHi = h;
    this.rcLo = l;
  }

  /** Copy the whole state of another scanner with the same k. */
  copyFrom(o: KmerScanner): void {
    this.dirHi = o.dirHi;
    this.dirLo = o.dirLo;
    this.rcHi = o.rcHi;
    this.rcLo = o.rcLo;
    this.len = o.len;
  }

  /** Canonical value as bigint (tests/storage only). */
  canonical(): bigint {
    return toBigInt(this.canonHi, this.canonLo);
  }
}

/**
 * Canonical k-mer values (left-aligned, as bigints) of every full window of `seq`, in order.
 * Reference implementation for tests and small inputs; hot code uses KmerScanner directly.
 */
export function canonicalKmers(seq: Uint8Array, k: number): bigint[] {
  const s = new KmerScanner(k);
  const out: bigint[] = [];
  for (let i = 0; i < seq.length; i++) {
    const x = seq[i]!;
    if (x > 3) s.reset();
    else {
      s.push(x);
      if (s.isFull()) out.push(s.canonical());
    }
  }
  return out;
}
