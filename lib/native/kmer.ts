// Reference k-mer counting and the splitter walk in the addon (vendor/agc kmer_splitters): an
// in-place sort of one 64-bit word per window, where TypeScript needs a second buffer as large.
import { native } from './load.js';
import { AgcInputError } from '../errors.js';
import { callNative } from './native-error.js';

const checkArgs = (fn: string, contigs: readonly Uint8Array[], k: number): void => {
  if (!Array.isArray(contigs) || !contigs.every((c) => c instanceof Uint8Array)) throw new AgcInputError(`${fn}: contigs must be an array of Uint8Arrays`);
  if (!Number.isInteger(k) || k < 17 || k > 32) throw new AgcInputError(`${fn}: k must be an integer 17..32`);
};

/**
 * Sorted canonical k-mers of all full windows of `contigs` (codes): seen once, and seen more often
 * (when asked). `threads` (1..64) native threads share a large input; the result is the same for any number.
 */
export function kmerCounts(
  contigs: readonly Uint8Array[],
  k: number,
  keepDuplicates: boolean,
  threads = 1,
): { singletonsHi: Uint32Array; singletonsLo: Uint32Array; duplicatesHi: Uint32Array; duplicatesLo: Uint32Array; windows: number } {
  checkArgs('kmerCounts', contigs, k);
  return callNative(() => native.kmerCounts([...contigs], k, keepDuplicates, threads));
}

/** Sorted singletons of all full windows of `contigs` that none of the sorted `exclude` lists holds. */
export function kmerSingletonsExcept(
  contigs: readonly Uint8Array[],
  k: number,
  exclude: ReadonlyArray<{ hi: Uint32Array; lo: Uint32Array }>,
): { hi: Uint32Array; lo: Uint32Array } {
  checkArgs('kmerSingletonsExcept', contigs, k);
  if (!exclude.every((e) => e.hi instanceof Uint32Array && e.lo instanceof Uint32Array && e.hi.length === e.lo.length))
    throw new AgcInputError('kmerSingletonsExcept: exclude must hold { hi, lo } Uint32Array pairs of one length');
  return callNative(() =>
    native.kmerSingletonsExcept(
      [...contigs],
      k,
      exclude.map((e) => ({ hi: e.hi, lo: e.lo })),
    ),
  );
}

/**
 * Per contig of `contigs`, in order: its singletons (sorted) that no full window of `reference`
 * holds, i.e. minus the reference's singletons and duplicates, which are never stored. `threads`
 * (1..64) native threads share the scan; the result is the same for any number.
 */
export function kmerNewSingletons(
  contigs: readonly Uint8Array[],
  k: number,
  reference: readonly Uint8Array[],
  threads = 1,
): Array<{ hi: Uint32Array; lo: Uint32Array }> {
  checkArgs('kmerNewSingletons', contigs, k);
  checkArgs('kmerNewSingletons', reference, k);
  return callNative(() => native.kmerNewSingletons([...contigs], k, [...reference], threads));
}

/**
 * Adaptive mining of `contigs` in one call: per contig, its {@link kmerNewSingletons} become the
 * candidates of its splitter walk (segment size S), which also gives the fallback records of the
 * threshold (halves; 0 for none). Splitters in emission order; records as FallbackRecords words.
 */
export function kmerMineSplitters(
  contigs: readonly Uint8Array[],
  k: number,
  reference: readonly Uint8Array[],
  segmentSize: number,
  threshold: { thrHi: number; thrLo: number },
  threads = 1,
): { hi: Uint32Array; lo: Uint32Array; fallback: Uint32Array } {
  checkArgs('kmerMineSplitters', contigs, k);
  checkArgs('kmerMineSplitters', reference, k);
  return callNative(() => native.kmerMineSplitters([...contigs], k, [...reference], segmentSize, threshold.thrHi, threshold.thrLo, threads));
}

/**
 * Splitters of a reference: the walk over its singleton k-mers with segment size S, in emission
 * order. `threads` (1..64) native threads share the count and the walks of different contigs.
 */
export function referenceSplitters(contigs: readonly Uint8Array[], k: number, segmentSize: number, threads = 1): { hi: Uint32Array; lo: Uint32Array } {
  checkArgs('referenceSplitters', contigs, k);
  if (!Number.isInteger(segmentSize) || segmentSize < 1 || segmentSize > 0xffffffff)
    throw new AgcInputError('referenceSplitters: segmentSize must be a positive integer');
  return callNative(() => native.referenceSplitters([...contigs], k, segmentSize, threads));
}
