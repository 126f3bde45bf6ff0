// The reference of `append -a` (docs/format.md 2.5): the contigs of the input archive's first
// sample, as codes, decoded on the calling thread (at -t 2 and more the addon decodes the same
// codes on libuv's pool from the open on, see reference-job.ts).
import { AgcArchive } from '../read/agc-archive.js';
import { BYTE_TO_CODE, SYMBOL_INVALID } from '../format/alphabet.js';
import { native } from '../native/load.js';

/**
 * Contigs of the input's first sample as codes: decoded to letters and converted back as upstream
 * does (codes printed as spaces are dropped).
 */
export function referenceContigs(inputPath: string): Uint8Array[] {
  // Every segment is read once: a small cache is enough.
  using reader = AgcArchive.openSync(inputPath, { cacheBytes: 32 << 20 });
  const ref = reader.samplesSync()[0];
  const out: Uint8Array[] = [];
  if (ref === undefined) return out;
  for (const c of reader.sampleLayout(ref)?.contigs ?? []) {
    const letters = reader.readContig(c, 0, c.length, false);
    // Converted in place by the FASTA reader's conversion (bytes below 64 and invalid ones are
    // dropped, other letters kept as their codes): the letters are not needed afterwards.
    const state = Float64Array.of(0, 0, -1, -1, -1, -1);
    native.fastaConvertBody(letters, 0, letters.length, BYTE_TO_CODE, SYMBOL_INVALID, -1, letters, state);
    const w = state[0]!;
    out.push(w === letters.length ? letters : letters.slice(0, w));
  }
  return out;
}
