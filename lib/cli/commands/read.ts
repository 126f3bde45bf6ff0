// The read-side subcommands of agc-node: getcol, getset, getctg, listset, listctg, listref, info.
// Same flags, defaults and output bytes as upstream agc 3.2.2 (docs/format.md section 6); the
// differences are listed in each command's --help under "Differences from agc".
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { AgcArchive, type AgcArchiveOptions, type InternalOptions, shortContigName } from '../../read/agc-archive.js';
import { BulkExtraction } from '../bulk-extract.js';
import type { ContigLayout } from '../../format/contig-layout.js';
import { StreamingRecordFormatter, wrappedSize } from '../../fasta/format-fasta.js';
import { type ExtractBatch, endsContig } from '../../read/native-extract.js';
import {
  AgcInputError,
  type OptionCheck,
  type OptionChecks,
  type OptionSpec,
  flagOption,
  type Output,
  intOption,
  outputFileOption,
  parseCommandArgs,
  printUsage,
  runCommand,
  threadsOption,
  validate,
  verbosityOption,
  withOutput,
  writeStderr,
} from '../common.js';
import { FastaSink } from '../fasta-sink.js';
import { takeWarmStart } from '../warm-start.js';
import type { WarmStart } from '../../../binding.js';

// node:zlib is loaded on first use (-g): loading it cost every read command ~5 ms of start-up.
let zlib: typeof import('node:zlib') | undefined;
function gzipAsync(data: Uint8Array, options: import('node:zlib').ZlibOptions): Promise<Buffer> {
  zlib ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  const lib = zlib;
  return new Promise((resolve, reject) => lib.gzip(data, options, (e, out) => (e ? reject(e) : resolve(out))));
}

const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** Symbols decoded at a time in streaming mode; bounds memory for long contigs. */
const STREAM_CHUNK = 1 << 20;

const NOTE_INFO_OUT = 'info is printed to standard output (or -o); upstream agc prints it to standard error.';
const NOTE_GZIP = `-g writes each record as two gzip members like agc, but with zlib instead of libdeflate:
   the decompressed text is identical, the compressed bytes are not.`;
const NOTE_ERRORS = `Errors (unknown sample or contig, malformed range, unreadable archive, unwritable output)
   print one line and exit with code 1 (agc exits 0); -v 2 adds a stack trace. Output files are
   written under a temporary name and renamed at the end, so a failed run leaves no partial file.`;

/**
 * getcol/getset decode on -t threads of the pool while the main thread only writes out what they
 * decoded, so by default every core decodes (agc's default is half the cores: it writes on a
 * thread of its own).
 */
const DEFAULT_THREADS = cores;
const THREADS = `default ${DEFAULT_THREADS}, one per core; agc's default is half the cores; 1..${Math.max(16, cores)}`;
const LINE = '-l <int>         symbols per FASTA line (default 80; 40..2000000000)';
const GZIP = '-g <int>         gzip the output at this level, 0 for plain text (default 0; 0..9)';
const TO_FILE = '-o <file>        write to <file> (atomically) instead of standard output';

const USAGE: Record<string, string> = {
  getcol: `Usage: agc-node getcol [options] <in.agc> > <out.fa>
   Writes every sample as FASTA, in archive order.
Options:
   -o <folder>      write each sample to <folder>/<sample>.fa (.fa.gz with -g); the folder must exist
   ${GZIP}
   ${LINE}
   -r               leave out the reference sample
   -t <int>         decoding threads (${THREADS})
   -f               accepted for compatibility; decoded data is always cached
   -v <int>         verbosity 0..2; 1 names each file written (default 0)
Differences from agc:
   ${NOTE_GZIP}
   ${NOTE_ERRORS}`,
  getset: `Usage: agc-node getset [options] <in.agc> <sample> [<sample> ...] > <out.fa>
   Writes the named samples as FASTA.
Options:
   ${TO_FILE}
   ${GZIP}
   ${LINE}
   -s               streaming: decode piece by piece, using less memory for long contigs
   -p               accepted for compatibility (no prefetching to turn off)
   -t <int>         decoding threads, sharing out pieces of about 0.5 Mbp (long contigs are cut) (${THREADS})
   -v <int>         verbosity 0..2 (default 0)
Differences from agc:
   ${NOTE_GZIP} With -s, agc ignores -g; agc-node too.
   ${NOTE_ERRORS}`,
  getctg: `Usage: agc-node getctg [options] <in.agc> <query> [<query> ...] > <out.fa>
   Writes contigs or parts of contigs as FASTA. A query is one of
     <contig>                  the contig with that name, which must be unique in the archive
     <contig>@<sample>         the contig in that sample
     <contig>:<from>-<to>      symbols from..to of the contig, counted from 0, both included
     <contig>@<sample>:<from>-<to>
   Contigs are matched by the first word of their name. (The library API uses half-open ranges.)
Options:
   ${TO_FILE}
   ${GZIP}
   ${LINE}
   -s               streaming: decode piece by piece, using less memory for long contigs
   -p               accepted for compatibility (no prefetching to turn off)
   -t <int>         accepted for compatibility; queries are decoded by one thread
   -v <int>         verbosity 0..2 (default 0)
Differences from agc:
   A range that is not made of integers (e.g. ctg:1-x) is an error; agc reads it as 0.
   With -s, agc returns wrong (too long) sequences for ranges that do not lie within one segment;
   agc-node returns the requested range. The -s header keeps agc's form (the range as given).
   ${NOTE_GZIP} With -s, agc ignores -g; agc-node too.
   ${NOTE_ERRORS}`,
  listref: `Usage: agc-node listref [options] <in.agc> > <out.txt>
   Prints the name of the reference sample (the first one added).
Options:
   ${TO_FILE}
Differences from agc:
   ${NOTE_ERRORS}`,
  listset: `Usage: agc-node listset [options] <in.agc> > <out.txt>
   Prints the names of all samples, one per line.
Options:
   ${TO_FILE}
Differences from agc:
   ${NOTE_ERRORS}`,
  listctg: `Usage: agc-node listctg [options] <in.agc> <sample> [<sample> ...] > <out.txt>
   Prints each named sample followed by the full names of its contigs.
Options:
   ${TO_FILE}
Differences from agc:
   An unknown sample is an error (agc prints just its name).
   ${NOTE_ERRORS}`,
  info: `Usage: agc-node info [options] <in.agc> > <out.txt>
   Prints the number of samples, the compression parameters and the reference sample.
Options:
   ${TO_FILE}
   -v <int>         verbosity 0..2; 1 adds the producer and version information (default 0)
Differences from agc:
   ${NOTE_INFO_OUT}
   ${NOTE_ERRORS}`,
};

/** Usage text of a read command. */
export function usage(command: string): string | undefined {
  return USAGE[command];
}

const outputOption = { output: { type: 'string', short: 'o' } } as const;
const extractOptions = {
  ...outputOption,
  gzip: { type: 'string', short: 'g' },
  lineLength: { type: 'string', short: 'l' },
  threads: { type: 'string', short: 't' },
  prefetch: { type: 'boolean', short: 'p' },
  streaming: { type: 'boolean', short: 's' },
} as const;

const extractChecks = {
  output: outputFileOption,
  gzip: intOption('g', 0, 0, 9),
  lineLength: intOption('l', 80, 40, 2_000_000_000),
  threads: threadsOption(cores, DEFAULT_THREADS),
  verbosity: verbosityOption,
  prefetch: flagOption,
  streaming: flagOption,
};

/** The checks of a read command's flags: -v among them. */
type CommandChecks = Record<string, OptionCheck<unknown>> & { verbosity: OptionCheck<number> };
/** The flags' values as the checks give them. */
type Checked<C> = { [K in keyof C]: C[K] extends OptionCheck<infer V> ? V : never };

/** What a read command takes: its flags, their checks and its positional arguments. */
interface ArchiveCommandSpec<O extends OptionSpec, C extends CommandChecks> {
  options: O;
  checks: C;
  /** Fewest positional arguments (the archive included) and the error when fewer are given. */
  need: number;
  missing: string;
  /** The archive is the only positional argument. */
  archiveOnly?: boolean;
  /** -v 1 ends with upstream's "Completed in" line. */
  timed?: boolean;
  /** Checks of the options that must pass before the archive is opened. */
  check?: (opts: Checked<C>) => void;
  /** How the archive is opened (default: AgcArchive's defaults). */
  open?: (opts: Checked<C>) => AgcArchiveOptions;
}

/**
 * The part every read command shares: --help and a missing archive answered like upstream (usage),
 * flags parsed and validated, the archive opened (and closed when `body` ends), the error line and
 * exit code of runCommand.
 */
async function archiveCommand<O extends OptionSpec, C extends CommandChecks>(
  command: string,
  argv: string[],
  spec: ArchiveCommandSpec<O, C>,
  body: (archive: AgcArchive, opts: Checked<C>, args: string[]) => Promise<void>,
): Promise<number> {
  return runCommand(command, argv, async () => {
    const t0 = now();
    const { values, positionals } = parseCommandArgs(argv, spec.options);
    if (values.help) {
      printUsage(USAGE[command], true);
      return 0;
    }
    if (positionals.length === 0) {
      printUsage(USAGE[command], false);
      throw new AgcInputError('No archive name');
    }
    if (positionals.length < spec.need) throw new AgcInputError(spec.missing);
    if (spec.archiveOnly && positionals.length > 1) throw new AgcInputError(`unexpected argument: ${positionals[1]}`);
    const opts = validate(spec.checks as OptionChecks<Checked<C>>, values);
    spec.check?.(opts);
    using archive = AgcArchive.openSync(positionals[0], spec.open?.(opts));
    await body(archive, opts, positionals);
    if (spec.timed) completed(opts.verbosity as number, t0);
  });
}

// process.hrtime rather than performance.now(): the latter loads perf_hooks on first use.
function now(): number {
  const [s, ns] = process.hrtime();
  return s + ns / 1e9;
}

function completed(verbosity: number, t0: number): void {
  if (verbosity > 0) writeStderr(`***\nCompleted in           : ${(now() - t0).toFixed(6)} s\n`);
}

/**
 * The open of getcol and of getset without -s: every part is decoded by the addon's extractor
 * (bulk-extract.ts), none by the random-access path, so the archive is opened without the
 * decode space and range index of that path (its tables and their allocation, and the garbage
 * collection that allocation set off, were ~2-5 ms of a one-sample getset's CPU).
 */
const BULK_OPEN: InternalOptions = { nativeRanges: false };

/** Stream one contig range piece by piece (upstream -s layout: an empty sequence gets an empty line). */
async function streamContig(
  archive: AgcArchive,
  out: Output,
  c: ContigLayout,
  header: string,
  start: number,
  end: number,
  fmt: StreamingRecordFormatter,
): Promise<void> {
  await out.write(fmt.start(archive.headerBytes(c, header)));
  for (let p = start; p < end; p += STREAM_CHUNK) await out.write(fmt.piece(archive.readContig(c, p, Math.min(end, p + STREAM_CHUNK), false)));
  const tail = fmt.end(true);
  if (tail.length) await out.write(tail);
}

// ------------------------------------------------------------------------------------ getcol

/** A sample name used as a file name in `dir` must be one plain path component. */
export function checkFileComponent(sample: string, dir: string): void {
  const bad =
    sample === '' ||
    sample === '.' ||
    sample === '..' ||
    sample.includes('/') ||
    sample.includes('\0') ||
    (process.platform === 'win32' && /[\\:]/.test(sample));
  if (bad) throw new AgcInputError(`sample name ${JSON.stringify(sample)} cannot be a file name in ${dir} (not a single path component); nothing was written`);
}

export async function getcol(argv: string[]): Promise<number> {
  const spec = {
    options: { ...extractOptions, fast: { type: 'boolean', short: 'f' }, noRef: { type: 'boolean', short: 'r' } },
    checks: { ...extractChecks, fast: flagOption, noRef: flagOption },
    need: 1,
    missing: '',
    archiveOnly: true,
    timed: true,
    open: () => BULK_OPEN,
    check: (opts: { output?: string }) => {
      if (opts.output === undefined) return;
      const st = fs.statSync(opts.output, { throwIfNoEntry: false });
      if (!st?.isDirectory()) throw new AgcInputError(`Path must point to an existing directory: ${opts.output}`);
    },
  } as const;
  return archiveCommand('getcol', argv, spec, async (archive, opts) => {
    let samples = archive.samplesSync();
    if (opts.noRef) samples = samples.slice(1);
    const ext = opts.gzip ? '.fa.gz' : '.fa';
    // Every file name is checked before anything is written: a sample named '../x' must not
    // write outside the folder.
    if (opts.output !== undefined) for (const s of samples) checkFileComponent(s, opts.output);
    // (each sample's layout is read when its first batch is described, while earlier ones decode)
    const contigs = (u: number): readonly ContigLayout[] => {
      const l = archive.sampleLayout(samples[u]);
      if (!l) throw new AgcInputError(`There is no sample ${samples[u]}`);
      return l.contigs;
    };
    await extractNative(archive, samples, contigs, opts, { dir: opts.output, ext });
  });
}

/** Where extractNative writes: standard output or one file (`file`), or one file per unit in `dir`. */
interface NativeTarget {
  file?: string;
  dir?: string;
  /** With `dir`: the file name suffix (".fa" or ".fa.gz"). */
  ext?: string;
}

/**
 * getcol/getset output decoded by the addon on `threads` threads (cli/bulk-extract.ts), sample
 * by sample (`contigs(i)`: those of samples[i], asked for when they are about to be decoded): to
 * standard output or one file, or with a folder one file per sample (each written atomically).
 * With `gzip` every record becomes two gzip members, as FastaSink writes
 * them, compressed on the libuv pool too.
 */
async function extractNative(
  archive: AgcArchive,
  samples: readonly string[],
  contigs: (i: number) => readonly ContigLayout[],
  opts: { lineLength: number; threads: number; gzip: number; verbosity: number },
  target: NativeTarget,
  onContig?: (c: ContigLayout) => void,
  warm?: WarmStart,
): Promise<void> {
  const bulk = new BulkExtraction(archive, { count: samples.length, contigs }, opts.lineLength, opts.threads, opts.gzip > 0, warm);
  const writeUnit = async (out: Output, i: number) => {
    for await (const r of bulk.records(i)) {
      if (opts.gzip) await writeGzipped(out, r.bytes, r.batch, opts.lineLength, opts.gzip);
      else await out.writeReusable(r.bytes);
      if (onContig) for (const p of r.batch.pieces) if (endsContig(p)) onContig(p.contig);
    }
  };
  try {
    const dir = target.dir;
    if (dir === undefined) {
      await withOutput(target.file, async (out) => {
        for (let i = 0; i < samples.length; i++) await writeUnit(out, i);
      });
      return;
    }
    const ext = target.ext ?? '';
    for (let i = 0; i < samples.length; i++) {
      const file = path.join(dir, samples[i] + ext);
      // A name that is not UTF-8 keeps its bytes in the file name, as upstream writes it.
      const raw = archive.nameBytes(samples[i]);
      const fileBytes = raw.equals(Buffer.from(samples[i], 'utf8')) ? undefined : Buffer.concat([Buffer.from(path.join(dir, '/')), raw, Buffer.from(ext)]);
      if (opts.verbosity > 0) writeStderr(`${i ? '\n' : ''}${file}  (${i + 1} of ${samples.length})`);
      await withOutput(file, (out) => writeUnit(out, i), fileBytes);
    }
    if (opts.verbosity > 0 && samples.length) writeStderr('\n');
  } finally {
    bulk.close();
  }
}

/**
 * The records of a batch of whole contigs as gzip members (header line at level 1, the sequence
 * lines at `level`: fasta/format-fasta.ts gzipRecord), compressed concurrently on the libuv pool.
 */
async function writeGzipped(out: Output, bytes: Uint8Array, batch: ExtractBatch, lineLength: number, level: number): Promise<void> {
  const members: Promise<Buffer>[] = [];
  let at = 0;
  for (let i = 0, h = 0; i < batch.pieces.length; i++) {
    const head = batch.headerEnds[i] - h;
    h = batch.headerEnds[i];
    const size = head + wrappedSize(batch.pieces[i].contig.length, lineLength);
    members.push(gzipAsync(bytes.subarray(at, at + head), { level: 1 }), gzipAsync(bytes.subarray(at + head, at + size), { level }));
    at += size;
  }
  // all settled before `bytes` is given back
  const done = await Promise.allSettled(members);
  for (const m of done) {
    if (m.status === 'rejected') throw m.reason;
    await out.write(m.value);
  }
}

// ------------------------------------------------------------------------------------ getset

export async function getset(argv: string[]): Promise<number> {
  const spec = {
    options: extractOptions,
    checks: extractChecks,
    need: 2,
    missing: 'No sample name',
    timed: true,
    open: (opts: { streaming?: boolean }) => (opts.streaming ? {} : BULK_OPEN),
  };
  return archiveCommand('getset', argv, spec, async (archive, opts, positionals) => {
    const samples = positionals.slice(1);
    // Every sample is checked before anything is written, as upstream.
    const layouts = samples.map((s) => {
      const l = archive.sampleLayout(s);
      if (!l) throw new AgcInputError(`There is no sample ${s}`);
      return l;
    });
    if (!opts.streaming) {
      const names = layouts.map((l) => l.name);
      const note = opts.output && opts.verbosity > 0 ? (c: ContigLayout) => writeStderr(`${c.name}\n`) : undefined;
      // (the parts bin.cts began decoding for a plain `getset <archive> <sample>`, if it did)
      const warm = samples.length === 1 ? takeWarmStart(positionals[0], samples[0]) : undefined;
      await extractNative(archive, names, (i) => layouts[i].contigs, opts, { file: opts.output }, note, warm);
      return;
    }
    archive.loadIntoMemory();
    await withOutput(opts.output, async (out) => {
      const fmt = new StreamingRecordFormatter(opts.lineLength);
      for (const l of layouts) for (const c of l.contigs) await streamContig(archive, out, c, c.name, 0, c.length, fmt);
    });
  });
}

// ------------------------------------------------------------------------------------ getctg

export async function getctg(argv: string[]): Promise<number> {
  const spec = { options: extractOptions, checks: extractChecks, need: 2, missing: 'No contig name', timed: true };
  return archiveCommand('getctg', argv, spec, async (archive, opts, positionals) => {
    const { parseContigQuery, resolveRange } = await import('./query.js');

    // Resolve every query before writing anything, as upstream.
    const tasks = positionals.slice(1).map((text) => {
      const q = parseContigQuery(text);
      if (q.sample !== undefined) {
        const layout = archive.sampleLayout(q.sample);
        // Upstream compares the stored short name with the name as given (docs/format.md 4.8).
        const index = layout ? layout.contigs.findIndex((c) => shortContigName(c.name) === q.name) : -1;
        if (!layout || index < 0) throw new AgcInputError(`There is no sample:contig pair: ${q.sample} : ${q.name}`);
        return { q, contig: layout.contigs[index] };
      }
      const hits = archive.findContig(q.name);
      if (hits.length === 0) throw new AgcInputError(`There is no contig: ${q.name}`);
      if (hits.length > 1) throw new AgcInputError(`There are ${hits.length} samples with contig: ${q.name}`);
      const sample = hits[0].sample;
      const layout = archive.sampleLayout(sample);
      if (!layout) throw new AgcInputError(`There is no sample ${sample}`);
      return { q, contig: layout.contigs[hits[0].index] };
    });

    archive.loadIntoMemory();
    await withOutput(opts.output, async (out) => {
      const fmt = new StreamingRecordFormatter(opts.lineLength);
      const sink = new FastaSink(out, archive, opts.lineLength, opts.gzip);
      for (const { q, contig } of tasks) {
        const r = resolveRange(q.range, contig.length, !!opts.streaming);
        for (const w of r.warnings) writeStderr(`${w}\n`);
        const header = contig.name + r.suffix;
        if (opts.streaming) await streamContig(archive, out, contig, header, r.start, r.end, fmt);
        else await sink.record(contig, header, r.start, r.end);
      }
      await sink.finish();
    });
  });
}

// ------------------------------------------------------------------------------------ listings

const listChecks = { output: outputFileOption, verbosity: verbosityOption };
/** A listing of the whole archive (listref, listset, info). */
const archiveListing = { options: outputOption, checks: listChecks, need: 1, missing: '', archiveOnly: true };

export async function listref(argv: string[]): Promise<number> {
  return archiveCommand('listref', argv, archiveListing, async (archive, opts) => {
    const ref = archive.samplesSync()[0];
    await withOutput(opts.output, (out) => out.write(ref === undefined ? '' : archive.nameBytes(ref)));
  });
}

/** Lines of names as their stored bytes. */
function nameLines(archive: AgcArchive, names: readonly string[], indent = ''): Buffer[] {
  const nl = Buffer.from('\n');
  const pre = Buffer.from(indent);
  return names.flatMap((s) => [pre, archive.nameBytes(s), nl]);
}

export async function listset(argv: string[]): Promise<number> {
  return archiveCommand('listset', argv, archiveListing, async (archive, opts) => {
    // Bytewise order of the stored names, as upstream's std::sort of std::string.
    const names = archive
      .samplesSync()
      .map((s) => archive.nameBytes(s))
      .sort((a, b) => Buffer.compare(a, b));
    await withOutput(opts.output, (out) => out.write(Buffer.concat(names.flatMap((b) => [b, Buffer.from('\n')]))));
  });
}

export async function listctg(argv: string[]): Promise<number> {
  const spec = { options: outputOption, checks: listChecks, need: 2, missing: 'No sample name' };
  return archiveCommand('listctg', argv, spec, async (archive, opts, positionals) => {
    const parts: Buffer[] = [];
    for (const s of positionals.slice(1)) {
      const contigs = archive.contigsSync(s);
      if (!contigs) throw new AgcInputError(`There is no sample ${s}`);
      parts.push(...nameLines(archive, [s]), ...nameLines(archive, contigs, '   '));
    }
    await withOutput(opts.output, (out) => out.write(Buffer.concat(parts)));
  });
}

export async function info(argv: string[]): Promise<number> {
  return archiveCommand('info', argv, { ...archiveListing, timed: true }, async (archive, opts) => {
    const p = archive.params;
    const samples = archive.samplesSync();
    let text =
      `No. samples      : ${samples.length}\n` +
      `k-mer length     : ${p.kmerLength}\n` +
      `Min. match length: ${p.minMatchLength}\n` +
      (p.segmentSize ? `Segment size     : ${p.segmentSize}\n` : '') +
      `Batch size       : ${p.packCardinality}\n` +
      `Reference name   : \0\n` +
      `Command lines:\n`;
    // Format-3 archives store no command lines (docs/format.md 4.8), so that list is always empty.
    if (opts.verbosity > 0) {
      text += 'File type info:\n';
      for (const [k, v] of archive.fileTypeInfo) text += `  ${k} : ${v}\n`;
    }
    // The reference name as its stored bytes (the one NUL above marks its place).
    const [before, after] = text.split('\0') as [string, string];
    const bytes = Buffer.concat([Buffer.from(before), samples[0] === undefined ? Buffer.alloc(0) : archive.nameBytes(samples[0]), Buffer.from(after)]);
    await withOutput(opts.output, (out) => out.write(bytes));
  });
}
