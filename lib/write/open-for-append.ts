// Continuing an archive (docs/format.md 7.8, upstream Append/appending_init): the output is a new
// file that starts with the input's collection batches and group parts copied verbatim; the last
// delta pack of every group stays packed in memory until a new segment reaches it. Parameters and
// file_type_info come from the input. The input file is only read.
import { CppArchive } from '../native/cpp-archive.js';
import { CppCollection } from '../native/cpp-collection.js';
import { AgcCorruptError } from '../errors.js';
import { Compressor, type CompressorParams } from './compressor.js';
import { CompressPool } from './workers/pool.js';
import { SplitterSet } from './segmentation.js';
import { groupStreamNames } from '../format/segment-decode.js';
import { FallbackMap, ScannedMiningReference } from './splitters.js';
import { referenceContigs } from './reference-sample.js';
import { startReferenceJob, type ReferenceJob } from './reference-job.js';

/** Parameters and metadata read from the input archive. */
export interface InputArchiveInfo {
  k: number;
  minMatchLen: number;
  packCardinality: number;
  segmentSize: number;
  fileTypeInfo: Map<string, string>;
}

function readCstrPairs(data: Uint8Array, count: number, path: string): Map<string, string> {
  const m = new Map<string, string>();
  const dec = new TextDecoder('utf-8', { fatal: true });
  let p = 0;
  const next = (): string => {
    const z = data.indexOf(0, p);
    if (z < 0) throw new AgcCorruptError(`${path}: corrupt archive (truncated file_type_info)`);
    let s: string;
    try {
      s = dec.decode(data.subarray(p, z));
    } catch (e) {
      throw new AgcCorruptError(`${path}: corrupt archive (file_type_info is not UTF-8)`, { cause: e });
    }
    p = z + 1;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const k = next();
    m.set(k, next());
  }
  return m;
}

/** Read and check params and file_type_info of an archive opened for reading. */
export function readInputInfo(input: CppArchive, path: string): InputArchiveInfo {
  const fti = input.streamId('file_type_info');
  if (fti === undefined || input.numParts(fti) < 1) throw new AgcCorruptError(`${path}: not an AGC archive (no file_type_info)`);
  const fp = input.getPart(fti, 0);
  const fileTypeInfo = readCstrPairs(fp.data, fp.metadata, path);
  const major = Number.parseInt(fileTypeInfo.get('file_version_major') ?? '', 10);
  const minor = Number.parseInt(fileTypeInfo.get('file_version_minor') ?? '', 10);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) throw new AgcCorruptError(`${path}: not an AGC archive (no file version)`);
  const version = major * 1000 + minor;
  if (version < 3000 || version >= 4000) throw new AgcCorruptError(`${path}: archive format ${major}.${minor} is not supported for append (only format 3.x)`);
  const pid = input.streamId('params');
  if (pid === undefined || input.numParts(pid) < 1) throw new AgcCorruptError(`${path}: corrupt archive (no params)`);
  const pd = input.getPart(pid, 0).data;
  if (pd.length < 16) throw new AgcCorruptError(`${path}: corrupt archive (params too short)`);
  const dv = new DataView(pd.buffer, pd.byteOffset, pd.byteLength);
  const info: InputArchiveInfo = {
    k: dv.getUint32(0, true),
    minMatchLen: dv.getUint32(4, true),
    packCardinality: dv.getUint32(8, true),
    segmentSize: dv.getUint32(12, true),
    fileTypeInfo,
  };
  if (info.k < 17 || info.k > 32 || info.minMatchLen < 15 || info.minMatchLen > 32 || info.packCardinality < 1 || info.segmentSize < 1)
    throw new AgcCorruptError(
      `${path}: corrupt archive (params k=${info.k} l=${info.minMatchLen} b=${info.packCardinality} s=${info.segmentSize} out of range)`,
    );
  return info;
}

/**
 * Largest first sample decoded from the open on (symbols): a run may mine nothing, and then the
 * early copy (one byte per symbol) is memory the lazy decode would not have taken.
 */
const EARLY_REFERENCE_MAX = 128 << 20;

/** Symbols of the input's first sample as its segments count them (with their k-symbol overlaps), 0 without samples. */
function firstSampleLength(collection: CppCollection): number {
  const first = collection.samples()[0];
  const desc = first === undefined ? undefined : collection.sampleDesc(first);
  let n = 0;
  if (desc) for (let i = 0; i < desc.rawLength.length; i++) n += desc.rawLength[i]!;
  return n;
}

/**
 * Open `input` and prepare a compressor writing to the new archive `output` (path of a fresh file):
 * copies collection batches and group parts, loads splitters and segment-splitters.
 */
export async function openForAppend(
  inputPath: string,
  outputPath: string,
  opts: { adaptive: boolean; concatenated: boolean; fallbackFrac: number; invalidBase?: string; threads?: number },
): Promise<{ compressor: Compressor; input: CppArchive; info: InputArchiveInfo }> {
  // Errors name the file: AgcInputError when it is missing, AgcCorruptError when it is not AGC.
  const input = CppArchive.open(inputPath);
  let output: CppArchive | null = null;
  let collection: CppCollection | null = null;
  let compressor: Compressor | null = null;
  let pool: CompressPool | null = null;
  let early: ReferenceJob | null = null;
  try {
    const info = readInputInfo(input, inputPath);
    const params: CompressorParams = {
      k: info.k,
      minMatchLen: info.minMatchLen,
      packCardinality: info.packCardinality,
      segmentSize: info.segmentSize,
      adaptive: opts.adaptive,
      concatenated: opts.concatenated,
      fallbackFrac: opts.fallbackFrac,
      invalidBase: opts.invalidBase,
    };
    output = CppArchive.create(outputPath);
    const cparams = { batchSize: info.packCardinality, segmentSize: info.segmentSize, kmerLength: info.k };
    try {
      collection = CppCollection.forAppend(input, output, cparams);
    } catch (e) {
      throw e instanceof AgcCorruptError ? new AgcCorruptError(`${inputPath}: corrupt archive (collection: ${e.message})`, { cause: e }) : e;
    }
    const existingSamples = collection.numSamples;

    // The fallback map starts empty: the empty entries upstream gives the reference's candidates
    // change no lookup. With -a, adaptive mining subtracts the k-mers of the first sample: its
    // contigs are decoded when a contig is first mined, and scanned, where their sorted k-mers
    // would take 8 bytes per distinct k-mer for the whole run (klebsiella: 40 MB against 5 MB).
    const fallbackMap = new FallbackMap();
    // At -t 2 and more, the addon decodes them from now on, off the main thread (the critical path
    // there); at -t 1 they are decoded when first needed.
    const threads = Math.max(1, opts.threads ?? 1);
    early = opts.adaptive && threads >= 2 && firstSampleLength(collection) <= EARLY_REFERENCE_MAX ? startReferenceJob(inputPath) : null;
    const miner = opts.adaptive ? new ScannedMiningReference(() => referenceContigs(inputPath), Math.min(4, threads), early) : null;
    pool = new CompressPool(Math.max(1, opts.threads ?? 1), { packCardinality: info.packCardinality, minMatchLen: info.minMatchLen });

    // Splitters.
    const splitters = new SplitterSet(info.k, 1024);
    const sid = input.streamId('splitters');
    if (sid === undefined || input.numParts(sid) < 1) throw new AgcCorruptError(`${inputPath}: corrupt archive (no splitters)`);
    const sp = input.getPart(sid, 0);
    if (sp.data.length < 8 * sp.metadata) throw new AgcCorruptError(`${inputPath}: corrupt archive (splitters truncated)`);
    const sv = new DataView(sp.data.buffer, sp.data.byteOffset, sp.data.byteLength);
    for (let i = 0; i < sp.metadata; i++) splitters.add(sv.getUint32(8 * i + 4, true), sv.getUint32(8 * i, true));

    compressor = new Compressor({
      params,
      archive: output,
      collection,
      splitters,
      candidates: null,
      miner,
      fallbackMap,
      existingSamples,
      fileTypeInfo: info.fileTypeInfo,
      pool,
    });
    pool = null;

    // Groups: copy the reference and all delta parts but the last; keep the last packed.
    for (let g = 0; ; g++) {
      const names = groupStreamNames(g);
      const inR = input.streamId(names.ref);
      const inD = input.streamId(names.delta);
      if (inR === undefined && inD === undefined) break;
      const streams = { r: -1, d: -1 };
      if (inR !== undefined) streams.r = output.registerStream(names.ref);
      if (inD !== undefined) streams.d = output.registerStream(names.delta);
      let ref: { data: Uint8Array; metadata: number } | undefined;
      if (inR !== undefined && input.numParts(inR) > 0) {
        ref = input.getPart(inR, 0);
        output.addPart(streams.r, ref.data, ref.metadata);
      }
      let lastDelta: { data: Uint8Array; metadata: number } | undefined;
      let copied = 0;
      if (inD !== undefined) {
        const np = input.numParts(inD);
        for (let i = 0; i + 1 < np; i++) {
          const part = input.getPart(inD, i);
          output.addPart(streams.d, part.data, part.metadata);
          copied++;
        }
        if (np > 0) lastDelta = input.getPart(inD, np - 1);
      }
      compressor.adoptGroup(g, { ref, lastDelta, copiedParts: copied }, streams);
    }

    // segment-splitters -> map_segments and terminators.
    const mid = input.streamId('segment-splitters');
    if (mid === undefined || input.numParts(mid) < 1) throw new AgcCorruptError(`${inputPath}: corrupt archive (no segment-splitters)`);
    const mp = input.getPart(mid, 0);
    if (mp.data.length < 20 * mp.metadata) throw new AgcCorruptError(`${inputPath}: corrupt archive (segment-splitters truncated)`);
    const mv = new DataView(mp.data.buffer, mp.data.byteOffset, mp.data.byteLength);
    for (let i = 0; i < mp.metadata; i++) {
      const a = mv.getBigUint64(20 * i, true);
      const b = mv.getBigUint64(20 * i + 8, true);
      const id = mv.getUint32(20 * i + 16, true);
      if (id >= compressor.numGroups) throw new AgcCorruptError(`${inputPath}: corrupt archive (segment-splitters names group ${id})`);
      compressor.state.loadGroupKey(a, b, id);
    }
    compressor.state.sortTerminators();
    if (compressor.numGroups < 16) throw new AgcCorruptError(`${inputPath}: corrupt archive (raw groups missing)`);

    return { compressor, input, info };
  } catch (e) {
    early?.stop(); // the compressor's miner owns it from its construction on; stopping twice is fine
    await compressor?.dispose();
    await pool?.close();
    collection?.close();
    output?.close();
    input.close();
    throw e;
  }
}
