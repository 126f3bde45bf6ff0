// The compressor's per-base helpers that run natively (vendor/agc/src/sequence_scan.cpp): the
// same results as the portable TypeScript versions, at a fraction of the CPU.
import { native } from '../native/load.js';
import type { LagFraction } from '../format/segment-codec.js';

/** Reference packing statistic (segment-codec's bestLagMatchFraction). */
export const nativeLagFraction: LagFraction = (ref) => native.bestLagMatchFraction(ref);

/** Reverse complement of codes into `dst` (or a new array); `dst` must not overlap `src`. */
export function reverseComplementCodes(src: Uint8Array, dst: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  return native.reverseComplementCodes(src, dst.length === src.length ? dst : dst.subarray(0, src.length));
}

/** The fallback filter's threshold (FallbackFilter in splitters.ts). */
interface FallbackThreshold {
  readonly thrHi: number;
  readonly thrLo: number;
}

/** Windows of `seq` whose canonical k-mer passes the fallback filter: (hi, lo, direct 0/1) triples in order. */
export function fallbackKmers(seq: Uint8Array, k: number, filter: FallbackThreshold): Uint32Array {
  return native.fallbackKmers(seq, k, filter.thrHi, filter.thrLo);
}

/** Indices of the values (hi[i], lo[i]) that pass the fallback filter, ascending. */
export function fallbackFilterIndices(hi: Uint32Array, lo: Uint32Array, filter: FallbackThreshold): Uint32Array {
  return native.fallbackFilterIndices(hi, lo, filter.thrHi, filter.thrLo);
}
