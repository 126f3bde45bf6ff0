// Exact MurMur64 finaliser (docs/format.md 7.9) on 32-bit halves: it decides LZ index slots
// and the fallback filter, so it must match upstream's uint64 arithmetic bit for bit.
//   h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33

const C1_HI = 0xff51afd7;
const C1_LO = 0xed558ccd;
const C2_HI = 0xc4ceb9fe;
const C2_LO = 0x1a85ec53;

/** High 32 bits of the 64-bit product of two uint32 values. */
export function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * MurMur64 of (hi, lo), written to out[off] (hi) and out[off + 1] (lo). Allocation-free.
 */
export function murmur64Into(hi: number, lo: number, out: Uint32Array, off = 0): void {
  let h = hi >>> 0;
  let l = (lo ^ (h >>> 1)) >>> 0;
  // h *= C1
  let nh = (mulHi32(l, C1_LO) + Math.imul(l, C1_HI) + Math.imul(h, C1_LO)) >>> 0;
  l = Math.imul(l, C1_LO) >>> 0;
  h = nh;
  l = (l ^ (h >>> 1)) >>> 0;
  // h *= C2
  nh = (mulHi32(l, C2_LO) + Math.imul(l, C2_HI) + Math.imul(h, C2_LO)) >>> 0;
  l = Math.imul(l, C2_LO) >>> 0;
  h = nh;
  l = (l ^ (h >>> 1)) >>> 0;
  out[off] = h;
  out[off + 1] = l;
}

/** Low 32 bits of MurMur64(hi, lo) (enough for masks below 2^32, e.g. the LZ index). */
export function murmur64Lo(hi: number, lo: number): number {
  let h = hi >>> 0;
  let l = (lo ^ (h >>> 1)) >>> 0;
  let nh = (mulHi32(l, C1_LO) + Math.imul(l, C1_HI) + Math.imul(h, C1_LO)) >>> 0;
  l = Math.imul(l, C1_LO) >>> 0;
  h = nh;
  l = (l ^ (h >>> 1)) >>> 0;
  nh = (mulHi32(l, C2_LO) + Math.imul(l, C2_HI) + Math.imul(h, C2_LO)) >>> 0;
  l = Math.imul(l, C2_LO) >>> 0;
  return (l ^ (nh >>> 1)) >>> 0;
}

const scratch = new Uint32Array(2);

/** MurMur64 of the 64-bit value (hi, lo) as [hi, lo]. Allocates; hot paths use murmur64Into. */
export function murmur64(hi: number, lo: number): [number, number] {
  murmur64Into(hi, lo, scratch, 0);
  return [scratch[0]!, scratch[1]!];
}

/** Reference MurMur64 on bigint (tests only). */
export function murmur64Big(x: bigint): bigint {
  const M = 0xffffffffffffffffn;
  let h = x & M;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M;
  h ^= h >> 33n;
  return h;
}
