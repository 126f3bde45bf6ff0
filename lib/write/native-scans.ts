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
