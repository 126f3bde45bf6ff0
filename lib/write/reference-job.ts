// The reference of `append -a` decoded by the addon on a thread of libuv's pool while the first
// batches are read: the main thread, the critical path at -t 2 and more, then only waits for it at
// the first batch end that mines new splitters (if it is not there yet). A worker thread did this
// before; its start-up (a V8 isolate, node's bootstrap, the reader's bundle and its JIT) cost more
// CPU than the decode itself, on a machine whose cores the store workers keep busy.
import { AgcArchive } from '../read/agc-archive.js';
import { NativeExtractor } from '../read/native-extract.js';
import { AgcError, AgcErrorCode } from '../errors.js';
import { BYTE_TO_CODE, SYMBOL_INVALID } from '../format/alphabet.js';
import { native } from '../native/load.js';

/** A decode under way: its contigs, and a way to stop it early (idempotent). */
export interface ReferenceJob {
  contigs: Promise<Uint8Array[]>;
  stop(): void;
}

/** Every segment is read once: a small cache of decoded parts is enough (as on the calling thread). */
const CACHE_BYTES = 32 << 20;
/** One line per contig: its letters, then '\n' (the line ends are the contigs' boundaries). */
const ONE_LINE = 0xffffffff;
const NO_HEADER = new Uint8Array(0);
const NEWLINE = 10;

/**
 * Start decoding the first sample of `inputPath` on the pool; its contigs are the same codes as
 * referenceContigs (reference-sample.ts) gives, and its errors the ones that would throw.
 */
export function startReferenceJob(inputPath: string): ReferenceJob {
  let reader: AgcArchive | null = null;
  let extractor: NativeExtractor | null = null;
  const stop = (): void => {
    extractor?.close(); // a job still running rejects with AGC_CLOSED
    extractor = null;
    reader?.close();
    reader = null;
  };
  const decode = async (): Promise<Uint8Array[]> => {
    // The reader's own caches stay unused: the addon decodes the parts.
    const r = (reader = AgcArchive.openSync(inputPath, { cacheBytes: 1 << 20 }));
    const ref = r.samplesSync()[0];
    const layouts = ref === undefined ? [] : (r.sampleLayout(ref)?.contigs ?? []);
    if (layouts.length === 0) return [];
    const ex = (extractor = new NativeExtractor({ ...r.extractionSource(), headerLine: () => NO_HEADER }, CACHE_BYTES));
    const batch = ex.batch(layouts);
    const text = new Uint8Array(ex.size(batch, ONE_LINE));
    const written = await ex.extract(batch, ONE_LINE, text);
    // Converted in place, contig by contig, by the FASTA reader's conversion as the calling
    // thread does (codes printed as spaces are dropped): each contig is a view of the text.
    const out: Uint8Array[] = [];
    const state = new Float64Array(6);
    let at = 0;
    for (const c of layouts) {
      if (c.length === 0) {
        out.push(new Uint8Array(0));
        continue;
      }
      const end = text.indexOf(NEWLINE, at);
      if (end < 0 || end >= written) throw new AgcError(AgcErrorCode.INTERNAL, 'internal: reference text shorter than its contigs');
      state.fill(-1);
      state[0] = 0;
      state[1] = 0;
      const line = text.subarray(at, end);
      native.fastaConvertBody(line, 0, line.length, BYTE_TO_CODE, SYMBOL_INVALID, -1, line, state);
      out.push(line.subarray(0, state[0]!));
      at = end + 1;
    }
    return out;
  };
  const contigs = decode().finally(stop);
  contigs.catch(() => undefined); // awaited by the miner, or never when nothing is mined
  return { contigs, stop };
}
