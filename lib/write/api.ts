// JS API for writing archives: createArchive / appendArchive. Options are validated with zod and
// out-of-range values are rejected (upstream clamps them silently). The archive is written to a
// temporary file next to the output and renamed at the end, so a failure or an abort never leaves
// a partial archive under the output name.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { openForAppend } from './open-for-append.js';
import { CppArchive } from '../native/cpp-archive.js';
import { CppCollection } from '../native/cpp-collection.js';
import { Compressor, determineSplitters, type CompressorParams } from './compressor.js';
import { CompressPool } from './workers/pool.js';
import { AgcInputError } from '../errors.js';
import { AtomicPath } from '../atomic-path.js';
import { sampleNameFromPath } from '../fasta/read-fasta.js';
import { checkRegularInput, fsPath, namesBytes } from '../file-type.js';
import { decodeName, utf8Binary } from '../format/names.js';
import { StageClock, type WriteStats } from './stage-stats.js';
import { collectGarbage } from './collect-garbage.js';

/** Progress of a create/append run. */
export interface CompressProgress {
  phase: 'splitters' | 'compress' | 'close';
  /** Input file being read ('' in the close phase). */
  file: string;
  /** 0-based index of `file` among the inputs. */
  fileIndex: number;
  files: number;
  /** Bytes of input files fully read so far, plus the current file's estimate. */
  bytesDone: number;
  /** Total size of the input files in bytes. */
  bytesTotal: number;
}

/** What was written. */
export interface ArchiveSummary {
  output: string;
  /** Samples added by this run. */
  samples: number;
  contigs: number;
  segments: number;
  /** Groups in the archive (16 raw groups included). */
  groups: number;
  /** Sequence symbols read. */
  bases: number;
  /** Total size of the input FASTA files. */
  bytesIn: number;
  /** Size of the written archive. */
  bytesOut: number;
  /** Per-stage wall and CPU times and the peak RSS of the run (what `--stats` prints). */
  stats: WriteStats;
}

/** Options shared by create and append. */
export interface CommonWriteOptions {
  /** Output archive path. Its folder must exist; an existing file is replaced at the end. */
  output: string;
  /** -a: adaptive splitters (default false). */
  adaptive?: boolean;
  /** -c: concatenated genomes, every record is its own sample (default false). */
  concatenated?: boolean;
  /** -f: fraction of fall-back minimizers, 0..0.05 (default 0 = off). */
  fallbackFraction?: number;
  /** -t: worker threads, >= 1 (default half the CPUs); more than max(16, CPUs) are clamped to that, as upstream. The output never depends on it. */
  threads?: number;
  /**
   * --invalid-base: an IUPAC letter (ACGTNRYSWKMBDHVU) that replaces letters outside the IUPAC set
   * (X, E, J, O, '@', '_', ...) in the input. Default: such letters are an error naming the file,
   * record and position (upstream accepts them but writes archives it cannot read back).
   */
  invalidBase?: string;
  onProgress?: (p: CompressProgress) => void;
  signal?: AbortSignal;
}

export interface CreateArchiveOptions extends CommonWriteOptions {
  /** Reference FASTA (first sample; its singletons become splitters). Plain or gzip. */
  reference: string;
  /** Further FASTA files, one sample each (named after the file). */
  samples?: readonly string[];
  /** -k: k-mer length 17..32 (default 31). */
  kmerLength?: number;
  /** -s: expected segment size 100..1,000,000 (default 60000). */
  segmentSize?: number;
  /** -l: minimum match length 15..32 (default 20). */
  minMatchLength?: number;
  /** -b: batch size (pack cardinality), >= 1 (default 50). */
  batchSize?: number;
}

export interface AppendArchiveOptions extends CommonWriteOptions {
  /** Existing archive to extend; never modified. */
  input: string;
  /** FASTA files to add, one sample each. */
  samples: readonly string[];
}

export const DEFAULTS = Object.freeze({
  kmerLength: 31,
  segmentSize: 60000,
  minMatchLength: 20,
  batchSize: 50,
  fallbackFraction: 0,
});

/**
 * The accepted range of every numeric option: the one set of limits, checked once here (the CLI
 * passes its flags through createArchive/appendArchive and prints these ranges in its help).
 */
export const LIMITS = Object.freeze({
  kmerLength: { min: 17, max: 32 },
  segmentSize: { min: 100, max: 1_000_000 },
  minMatchLength: { min: 15, max: 32 },
  batchSize: { min: 1, max: 1_000_000_000 },
  fallbackFraction: { min: 0, max: 0.05 },
  // larger counts are accepted and clamped to maxThreads(), as upstream does
  threads: { min: 1, max: Number.MAX_SAFE_INTEGER },
} as const);

/** Default thread count, as upstream: half the CPUs, at least 1. */
export function defaultThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/** Most threads a run uses, as upstream: max(16, CPUs). More would only add memory (each worker holds its own state). */
export function maxThreads(): number {
  return Math.max(16, availableParallelism());
}

/** A thread count clamped into 1..maxThreads() (upstream clamps silently too). */
export function clampThreads(t: number): number {
  return Math.min(maxThreads(), Math.max(1, t));
}

/**
 * An integer with a comma every three digits, as toLocaleString('en-US') writes it, without
 * loading the ICU data (about 15 ms CPU and 45 ms wall at the start of every create/append).
 */
export function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const intIn = (name: string, flag: string, { min, max }: { min: number; max: number }) => {
  const range = `${name} (${flag}) must be in ${min}..${withThousands(max)}`;
  return z
    .int({ error: (i) => `${name} (${flag}) must be ${typeof i.input === 'number' ? 'an integer' : 'a number'}` })
    .check(z.minimum(min, range), z.maximum(max, range));
};

const pathStr = (what: string) =>
  z.string({ error: (i) => (i.input === undefined ? `${what} is required` : `${what} must be a path`) }).check(z.minLength(1, `${what} must not be empty`));

const fallbackRange = `fallback fraction (-f) must be in ${LIMITS.fallbackFraction.min}..${LIMITS.fallbackFraction.max}`;

const common = {
  output: pathStr('output'),
  adaptive: z.optional(z.boolean('adaptive must be a boolean')),
  concatenated: z.optional(z.boolean('concatenated must be a boolean')),
  fallbackFraction: z.optional(
    z
      .number('fallback fraction (-f) must be a number')
      .check(z.minimum(LIMITS.fallbackFraction.min, fallbackRange), z.maximum(LIMITS.fallbackFraction.max, fallbackRange)),
  ),
  threads: z.optional(intIn('thread count', '-t', LIMITS.threads)),
  invalidBase: z.optional(
    z
      .string('invalid base (--invalid-base) must be a letter')
      .check(z.regex(/^[ACGTNRYSWKMBDHVU]$/i, 'invalid base (--invalid-base) must be one of the letters ACGTNRYSWKMBDHVU')),
  ),
  onProgress: z.optional(z.custom<(p: CompressProgress) => void>((v) => v === undefined || typeof v === 'function', 'onProgress must be a function')),
  signal: z.optional(z.custom<AbortSignal>((v) => v === undefined || v instanceof AbortSignal, 'signal must be an AbortSignal')),
};

const samplesList = z.readonly(z.array(pathStr('sample file'), 'samples must be an array of paths'));
/** Unknown keys are an error (a misspelt option must not be ignored silently). */
const strictObject = <S extends z.core.$ZodLooseShape>(what: string, shape: S) =>
  z.strictObject(shape, {
    error: (i) => (i.code === 'unrecognized_keys' ? `unknown option(s): ${i.keys.join(', ')}` : `${what} options must be an object`),
  });

export const createOptionsSchema = strictObject('create', {
  ...common,
  reference: pathStr('reference'),
  samples: z.optional(samplesList),
  kmerLength: z.optional(intIn('k-mer length', '-k', LIMITS.kmerLength)),
  segmentSize: z.optional(intIn('segment size', '-s', LIMITS.segmentSize)),
  minMatchLength: z.optional(intIn('min. match length', '-l', LIMITS.minMatchLength)),
  batchSize: z.optional(intIn('batch size', '-b', LIMITS.batchSize)),
});

export const appendOptionsSchema = strictObject('append', {
  ...common,
  input: pathStr('input archive'),
  samples: samplesList,
});

function parseOptions<T>(schema: z.ZodMiniType<T, unknown>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) {
    const i = r.error.issues[0]!;
    // Messages of the option schemas name the option and its flag; others get the field name.
    const where = i.path.length && !i.message.includes('(-') ? `${i.path.join('.')}: ` : '';
    throw new AgcInputError(`${where}${i.message}`);
  }
  return r.data;
}

/** Upstream sanitize_input_file_names: drop repeated names, keep the first. */
function uniqueFiles(files: readonly string[]): string[] {
  return [...new Set(files)];
}

/** Check an input FASTA exists, is a file and is not empty; returns its size. */
function checkInputFile(p: string): number {
  checkRegularInput(p, 'input file');
  let st;
  const fp = fsPath(p);
  try {
    st = statSync(fp);
  } catch {
    throw new AgcInputError(`${p}: no such file`);
  }
  if (!st.isFile()) throw new AgcInputError(`${p}: not a regular file`);
  if (st.size === 0) throw new AgcInputError(`${p}: empty file`);
  // Fail early on unreadable files (permissions).
  try {
    const fd = openSync(fp, 'r');
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
    closeSync(fd);
  } catch (e) {
    throw new AgcInputError(`${p}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return st.size;
}

/** The output must not replace one of the inputs (it is renamed over its path at the end). */
function checkNotAnInput(output: string, files: readonly string[]): void {
  let out;
  try {
    out = statSync(output);
  } catch {
    return; // a new file cannot be an input
  }
  for (const f of files) {
    const st = statSync(fsPath(f));
    if (st.ino === out.ino && st.dev === out.dev) throw new AgcInputError(`${output}: output would overwrite the input file ${f}`);
  }
}

/** Samples (name, path) of the inputs; rejects two files mapping to one sample name. */
function samplesOf(files: readonly string[], concatenated: boolean, existing: ReadonlySet<string>): Array<{ sample: string; path: string }> {
  const out: Array<{ sample: string; path: string }> = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    // The sample name as bytes (binary string): those of the file name.
    const stem = sampleNameFromPath(f);
    const sample = namesBytes(f) ? stem : utf8Binary(stem);
    if (!concatenated) {
      if (existing.has(sample)) throw new AgcInputError(`${f}: sample "${decodeName(sample)}" is already in the archive`);
      const other = seen.get(sample);
      if (other !== undefined) throw new AgcInputError(`${f}: sample name "${decodeName(sample)}" is also the name of ${other}`);
      seen.set(sample, f);
    }
    out.push({ sample, path: f });
  }
  return out;
}

/** Feed the input files to the compressor, reporting progress and honouring the abort signal. */
/**
 * The compress and close phases of create and append. The compressor's worker threads stop however
 * it ends; `inputsOf` runs inside, so that a rejected sample name stops them too (they would keep
 * the process alive, and leak through the API).
 */
async function compressAndClose(
  comp: Compressor,
  inputsOf: () => Array<{ sample: string; path: string }>,
  sizes: number[],
  opts: { onProgress?: (p: CompressProgress) => void; signal?: AbortSignal },
  clock: StageClock,
): Promise<void> {
  clock.phase('compress');
  try {
    const inputs = inputsOf();
    await compressFiles(comp, inputs, sizes, opts);
    opts.onProgress?.({ phase: 'close', file: '', fileIndex: inputs.length, files: inputs.length, bytesDone: 0, bytesTotal: 0 });
    clock.phase('close');
    await comp.close();
  } finally {
    await comp.dispose();
  }
}

async function compressFiles(
  comp: Compressor,
  inputs: Array<{ sample: string; path: string }>,
  sizes: number[],
  opts: { onProgress?: (p: CompressProgress) => void; signal?: AbortSignal },
): Promise<void> {
  const total = sizes.reduce((a, b) => a + b, 0);
  let doneBytes = 0;
  for (let i = 0; i < inputs.length; i++) {
    opts.signal?.throwIfAborted();
    const { sample, path: file } = inputs[i]!;
    const report = opts.onProgress;
    comp.onProgress = report
      ? ({ basesDone }) =>
          report({ phase: 'compress', file, fileIndex: i, files: inputs.length, bytesDone: doneBytes + Math.min(basesDone, sizes[i]!), bytesTotal: total })
      : null;
    comp.signal = opts.signal ?? null;
    const n = await comp.addFile(sample, file);
    if (n === 0) throw new AgcInputError(`${file}: no FASTA records`);
    doneBytes += sizes[i]!;
  }
  comp.onProgress = null;
  opts.signal?.throwIfAborted();
  await comp.finishInput();
}

function summary(output: string, comp: Compressor, samplesAdded: number, inputSizes: readonly number[], clock: StageClock): ArchiveSummary {
  const bytesIn = inputSizes.reduce((a, b) => a + b, 0);
  return {
    stats: clock.finish(),
    output,
    samples: samplesAdded,
    contigs: comp.stats.contigs,
    segments: comp.stats.segments,
    groups: comp.numGroups,
    bases: comp.stats.bases,
    bytesIn,
    bytesOut: statSync(output).size,
  };
}

/**
 * Create an archive from a reference and further samples, byte-identical to `agc create` 3.2.2
 * with the same inputs and parameters. Rejects with AgcInputError on bad input (nothing is left
 * under `output`).
 */
export async function createArchive(options: CreateArchiveOptions): Promise<ArchiveSummary> {
  const o = parseOptions(createOptionsSchema, options);
  const files = uniqueFiles([o.reference, ...(o.samples ?? [])]);
  const sizes = files.map(checkInputFile);
  checkNotAnInput(o.output, files);
  const inputs = samplesOf(files, o.concatenated ?? false, new Set());
  const params: CompressorParams = {
    k: o.kmerLength ?? DEFAULTS.kmerLength,
    minMatchLen: o.minMatchLength ?? DEFAULTS.minMatchLength,
    packCardinality: o.batchSize ?? DEFAULTS.batchSize,
    segmentSize: o.segmentSize ?? DEFAULTS.segmentSize,
    adaptive: o.adaptive ?? false,
    concatenated: o.concatenated ?? false,
    fallbackFrac: o.fallbackFraction ?? DEFAULTS.fallbackFraction,
    invalidBase: o.invalidBase,
  };
  const threads = clampThreads(o.threads ?? defaultThreads());
  const tmp = new AtomicPath(o.output);
  const clock = new StageClock();
  let archive: CppArchive | null = null;
  let collection: CppCollection | null = null;
  let pool: CompressPool | null = null;
  try {
    o.onProgress?.({ phase: 'splitters', file: files[0]!, fileIndex: 0, files: files.length, bytesDone: 0, bytesTotal: sizes.reduce((a, b) => a + b, 0) });
    clock.phase('splitters');
    pool = new CompressPool(threads, { packCardinality: params.packCardinality, minMatchLen: params.minMatchLen });
    clock.workers = pool.steps;
    const setup = await determineSplitters(files[0]!, params, threads);
    collectGarbage(); // the reference's contigs and read buffers
    o.signal?.throwIfAborted();
    archive = CppArchive.create(tmp.tempPath);
    collection = CppCollection.forCompression(archive, { batchSize: params.packCardinality, segmentSize: params.segmentSize, kmerLength: params.k });
    const comp = new Compressor({ params, archive, collection, ...setup, existingSamples: 0, pool });
    pool = null; // owned by the compressor now
    const coll = collection;
    const start = () => {
      comp.initRawGroups();
      coll.resetPrevSampleName();
      return inputs;
    };
    await compressAndClose(comp, start, sizes, o, clock);
    const added = collection.numSamples;
    collection.close();
    collection = null;
    archive.close();
    archive = null;
    tmp.commit();
    return summary(o.output, comp, added, sizes, clock);
  } catch (e) {
    await pool?.close();
    collection?.close();
    archive?.close();
    tmp.abort();
    throw tmp.reword(e);
  }
}

/**
 * Append samples to an existing archive, writing a new archive (`agc append` 3.2.2). The input
 * archive is never modified; `output` must be a different file.
 */
export async function appendArchive(options: AppendArchiveOptions): Promise<ArchiveSummary> {
  const o = parseOptions(appendOptionsSchema, options);
  if (path.resolve(o.input) === path.resolve(o.output)) throw new AgcInputError(`${o.output}: output must differ from the input archive`);
  checkRegularInput(o.input, 'input archive');
  try {
    const si = statSync(o.input);
    if (!si.isFile()) throw new AgcInputError(`${o.input}: not a regular file`);
    try {
      const so = statSync(o.output);
      if (so.ino === si.ino && so.dev === si.dev) throw new AgcInputError(`${o.output}: output must differ from the input archive`);
    } catch (e) {
      if (e instanceof AgcInputError) throw e;
    }
  } catch (e) {
    if (e instanceof AgcInputError) throw e;
    throw new AgcInputError(`${o.input}: no such file`);
  }
  const files = uniqueFiles(o.samples);
  const sizes = files.map(checkInputFile);
  checkNotAnInput(o.output, files);
  const threads = clampThreads(o.threads ?? defaultThreads());
  const tmp = new AtomicPath(o.output);
  const clock = new StageClock();
  clock.phase('open');
  let opened: Awaited<ReturnType<typeof openForAppend>> | null = null;
  try {
    opened = await openForAppend(o.input, tmp.tempPath, {
      adaptive: o.adaptive ?? false,
      concatenated: o.concatenated ?? false,
      fallbackFrac: o.fallbackFraction ?? 0,
      invalidBase: o.invalidBase,
      threads,
    });
    const { compressor: comp } = opened;
    collectGarbage(); // the input's reader (its segment cache) and reference contigs
    const before = comp.collection.numSamples;
    clock.workers = comp.workerSteps;
    await compressAndClose(comp, () => samplesOf(files, o.concatenated ?? false, new Set(o.concatenated ? [] : comp.collection.samples())), sizes, o, clock);
    const added = comp.collection.numSamples - before;
    comp.collection.close();
    comp.archive.close();
    opened.input.close();
    opened = null;
    tmp.commit();
    return summary(o.output, comp, added, sizes, clock);
  } catch (e) {
    if (opened) {
      opened.compressor.collection.close();
      opened.compressor.archive.close();
      opened.input.close();
    }
    tmp.abort();
    throw tmp.reword(e);
  }
}
