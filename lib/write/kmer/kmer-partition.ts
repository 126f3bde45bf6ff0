// Reference candidates (docs/format.md 7.2) computed in parallel: the canonical k-mers are split
// into disjoint value ranges, every thread counts one range over the whole reference, and the
// sorted per-range singletons and duplicates are concatenated in range order. The result is the
// same sets as a single-threaded count.
import { SortedKmers, sortKmerPairs, splitRunsInPlace } from './kmer-set.js';

/**
 * Upper bounds (exclusive, on the high 32 bits) of the value ranges. A canonical value is the
 * minimum of two roughly uniform values, so its distribution function is about 1 - (1 - x)^2 and
 * equal shares end at 1 - sqrt(1 - i/parts).
 */
export function partitionBounds(parts: number): Float64Array {
  const b = new Float64Array(parts);
  for (let i = 1; i < parts; i++) b[i - 1] = Math.floor((1 - Math.sqrt(1 - i / parts)) * 4294967296);
  b[parts - 1] = 4294967296;
  return b;
}

/** Sorted singletons and duplicates as (hi, lo) arrays. */
export interface PartitionCounts {
  sHi: Uint32Array;
  sLo: Uint32Array;
  dHi: Uint32Array;
  dLo: Uint32Array;
}

/** Count the k-mers of partition `part` over all `contigs` (codes). */
export function countPartition(contigs: readonly Uint8Array[], k: number, part: number, parts: number): PartitionCounts {
  let total = 0;
  for (const c of contigs) total += c.length;
  // Expected share plus slack; grows if a partition is unexpectedly large.
  let cap = Math.max(16, Math.ceil((total / parts) * 1.1) + 1024);
  let H = new Uint32Array(cap);
  let L = new Uint32Array(cap);
  let n = 0;
  const shift = 64 - 2 * k;
  const loMask = (0xffffffff << shift) | 0;
  // The halves are kept as int32 (no `>>> 0`: values >= 2^31 would leave the small-integer path in
  // this run-once loop); unsigned order is compared as signed order with the sign bit flipped.
  const F = -2147483648;
  const bounds = partitionBounds(parts);
  const lower = (part === 0 ? 0 : bounds[part - 1]!) + F;
  const upper = bounds[part]! + F;
  for (const seq of contigs) {
    let dHi = 0;
    let dLo = 0;
    let rHi = 0;
    let rLo = 0;
    let len = 0;
    const m = seq.length;
    for (let i = 0; i < m; i++) {
      const x = seq[i]!;
      if (x > 3) {
        dHi = dLo = rHi = rLo = 0;
        len = 0;
        continue;
      }
      dHi = (dHi << 2) | (dLo >>> 30);
      dLo = (dLo << 2) | (x << shift);
      rLo = ((rLo >>> 2) | (rHi << 30)) & loMask;
      rHi = (rHi >>> 2) | ((3 - x) << 30);
      if (len < k) {
        len++;
        if (len < k) continue;
      }
      const dh = dHi ^ F;
      const rh = rHi ^ F;
      const dirOr = dh < rh || (dh === rh && (dLo ^ F) <= (rLo ^ F));
      const cHi = dirOr ? dh : rh;
      if (cHi < lower || cHi >= upper) continue;
      if (n === cap) {
        cap *= 2;
        const nh = new Uint32Array(cap);
        const nl = new Uint32Array(cap);
        nh.set(H);
        nl.set(L);
        H = nh;
        L = nl;
      }
      H[n] = cHi ^ F;
      L[n++] = dirOr ? dLo : rLo;
    }
  }
  sortKmerPairs(H, L, n);
  return splitRunsInPlace(H, L, n);
}

/** Concatenate the per-range sorted lists (in range order) into one sorted list. */
export function concatRanges(lists: ReadonlyArray<{ hi: Uint32Array; lo: Uint32Array }>): SortedKmers {
  let total = 0;
  for (const l of lists) total += l.hi.length;
  if (lists.length === 1) return new SortedKmers(lists[0]!.hi, lists[0]!.lo);
  const H = new Uint32Array(total);
  const L = new Uint32Array(total);
  let off = 0;
  for (const l of lists) {
    H.set(l.hi, off);
    L.set(l.lo, off);
    off += l.hi.length;
  }
  return new SortedKmers(H, L);
}
