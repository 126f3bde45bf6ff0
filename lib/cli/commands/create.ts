// `agc-node create`: upstream's flags and defaults. Out-of-range values are rejected with an error
// naming the flag (upstream clamps them silently). Output goes to -o or, without -o, to stdout.
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createArchive, defaultThreads, DEFAULTS, LIMITS, maxThreads, withThousands, type ArchiveSummary, type CompressProgress } from '../../write/api.js';
import { trackForInterrupt } from '../../interrupt-cleanup.js';
import { decodeName } from '../../format/names.js';
import { formatStats } from '../../write/stage-stats.js';
import { AgcInputError, parseCommandArgs, printUsage, runCommand, sniffVerbosity, type OptionSpec } from '../common.js';

/** Help lines of the options create and append share (how samples are read and compressed). */
export const SAMPLE_OPTIONS_HELP = `   -c             every FASTA record is a sample of its own, for genomes concatenated in one file (default off)
   -f <float>     share of fall-back minimizers for segments without splitters (default ${DEFAULTS.fallbackFraction} = off; ${range(LIMITS.fallbackFraction)})
   -t <int>       worker threads; the archive does not depend on it (default ${defaultThreads()}; at least 1, more than ${maxThreads()} count as ${maxThreads()})
   -d             accepted for compatibility; format 3 archives store no command line
   -v <int>       verbosity: 0 quiet, 1 progress, 2 progress and stack traces (default 0)
   --invalid-base <letter>  store letters outside the IUPAC set (X, E, J, O, @, _, ...) as this IUPAC
                  letter, e.g. N (default: such letters are an error; agc would store them unreadably)
   --stats        print the wall and CPU time of each stage and the peak RSS at the end (-v 2 too)
`;

export const CREATE_USAGE = `Usage: agc-node create [options] <reference.fa> [<genome.fa> ...] > <out.agc>
   Compresses the reference and the other FASTA files (plain or gzip) into a new archive; each
   file is one sample, named after the file.
Options:
   -o <file>      write the archive to <file> (atomically) instead of standard output
   -i <file>      take more input files from <file>, names separated by white space
   -k <int>       k-mer length of the splitters (default ${DEFAULTS.kmerLength}; ${range(LIMITS.kmerLength)})
   -s <int>       segment size to aim for, in symbols (default ${DEFAULTS.segmentSize}; ${range(LIMITS.segmentSize)})
   -l <int>       shortest match the LZ-diff coder uses (default ${DEFAULTS.minMatchLength}; ${range(LIMITS.minMatchLength)})
   -b <int>       batch size: deltas per pack and samples per collection part (default ${DEFAULTS.batchSize}; ${range(LIMITS.batchSize)})
   -a             adaptive: find extra splitters in every sample, not only the reference (default off)
${SAMPLE_OPTIONS_HELP}Values outside a range are an error here; agc moves them into the range without a word.
`;

/** "min..max" of a LIMITS entry, with thousands separators. */
function range({ min, max }: { min: number; max: number }): string {
  return `${withThousands(min)}..${withThousands(max)}`;
}

/** Flags create and append share. */
export const SAMPLE_FLAGS = {
  adaptive: { type: 'boolean', short: 'a' },
  concatenated: { type: 'boolean', short: 'c' },
  nocmd: { type: 'boolean', short: 'd' },
  fallback: { type: 'string', short: 'f' },
  list: { type: 'string', short: 'i' },
  output: { type: 'string', short: 'o' },
  threads: { type: 'string', short: 't' },
  'invalid-base': { type: 'string' },
  stats: { type: 'boolean' },
} as const;

const FLAGS = {
  ...SAMPLE_FLAGS,
  batch: { type: 'string', short: 'b' },
  kmer: { type: 'string', short: 'k' },
  minmatch: { type: 'string', short: 'l' },
  segment: { type: 'string', short: 's' },
} as const;

/** Strict integer of a flag value (upstream uses atoi; garbage is an error here). */
export function intArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new AgcInputError(`-${flag}: expected an integer, got '${v}'`);
  return Number(t);
}

/** Strict number of a flag value. */
export function floatArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  const x = Number(t);
  if (t === '' || !Number.isFinite(x)) throw new AgcInputError(`-${flag}: expected a number, got '${v}'`);
  return x;
}

/** Names listed in an -i file (whitespace-separated). */
export function readListFile(file: string): string[] {
  let text: string;
  try {
    // Names that are not UTF-8 keep their bytes (one char per byte, see format/names.ts).
    text = readFileSync(file).toString('latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AgcInputError(`${file}: cannot read file list (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`);
  }
  return text
    .split(/[ \t\n\r\f\v]+/)
    .filter((s) => s.length > 0)
    .map(decodeName);
}

/** Progress bar on stderr (TTY only), redrawn at most every 100 ms. */
export function progressBar(command: string): { update: (p: CompressProgress) => void; done: () => void } | null {
  if (!process.stderr.isTTY) return null;
  let last = 0;
  let shown = false;
  const width = 30;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 1;
      const filled = Math.round(frac * width);
      const what =
        p.phase === 'splitters' ? 'finding splitters' : p.phase === 'close' ? 'finishing' : `${path.basename(p.file)} (${p.fileIndex + 1}/${p.files})`;
      const line = `${command}: [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${what}`;
      const cols = process.stderr.columns || 80;
      process.stderr.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, 80))}`);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/** Print the summary at -v >= 1. */
export function printSummary(s: ArchiveSummary, verbosity: number): void {
  if (verbosity < 1) return;
  process.stderr.write(
    `Samples added: ${s.samples}, contigs: ${s.contigs}, segments: ${s.segments}, groups: ${s.groups}\n` +
      `Input: ${s.bytesIn} bytes (${s.bases} bases), archive: ${s.bytesOut} bytes\n`,
  );
}

/**
 * Run `write(outputPath)` for -o, or for stdout into a private temporary file that is then copied
 * to stdout and removed.
 */
export async function writeToOutput(output: string | undefined, write: (file: string) => Promise<ArchiveSummary>): Promise<ArchiveSummary> {
  if (output === '') throw new AgcInputError('-o: empty file name');
  if (output !== undefined) return write(output);
  if (process.stdout.isTTY) throw new AgcInputError('refusing to write an archive to a terminal; use -o <file> or redirect stdout');
  const dir = mkdtempSync(path.join(tmpdir(), 'agc-node-'));
  const file = path.join(dir, 'out.agc');
  const untrackDir = trackForInterrupt(dir, true);
  const untrackFile = trackForInterrupt(file);
  const cleanup = (): void => {
    rmSync(dir, { recursive: true, force: true });
    untrackFile();
    untrackDir();
  };
  process.on('exit', cleanup);
  try {
    const s = await write(file);
    await pipeline(createReadStream(file), process.stdout, { end: false }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
    return { ...s, output: '-' };
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}

/** SIGINT/SIGTERM abort the run; the exit handlers remove temporary files. */
export function installSignalHandlers(): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\nagc-node: interrupted\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * The part create and append share: the job writes `output` (or stdout via a temporary file),
 * with the progress bar on a TTY and Ctrl-C handling; the summary is printed at -v >= 1.
 */
export async function runWriteJob(
  command: string,
  argv: string[],
  output: string | undefined,
  job: (output: string, onProgress: ((p: CompressProgress) => void) | undefined) => Promise<ArchiveSummary>,
): Promise<number> {
  const bar = progressBar(command);
  const restore = installSignalHandlers();
  try {
    const summary = await writeToOutput(output, (file) => job(file, bar?.update));
    bar?.done();
    printSummary(summary, sniffVerbosity(argv));
    if (argv.includes('--stats') || sniffVerbosity(argv) >= 2) process.stderr.write(formatStats(summary.stats));
  } catch (e) {
    bar?.done();
    throw e;
  } finally {
    restore();
  }
  return 0;
}

/**
 * The argument handling create and append share: --help, the required first positional, the -v
 * range and the -i list file. Returns undefined when only the help was asked for.
 */
export function parseWriteArgs<O extends OptionSpec>(argv: string[], flags: O, usage: string, missing: string) {
  const { values, positionals } = parseCommandArgs(argv, flags);
  if (values.help) {
    printUsage(usage, true);
    return undefined;
  }
  if (positionals.length === 0) {
    printUsage(usage, false);
    throw new AgcInputError(missing);
  }
  const common = values as { verbosity?: string; list?: string };
  const verbosity = intArg('v', common.verbosity) ?? 0;
  if (verbosity < 0 || verbosity > 2) throw new AgcInputError('verbosity level (-v) must be in 0..2');
  const listed = common.list !== undefined ? readListFile(common.list) : [];
  return { values, positionals, listed };
}

export async function run(argv: string[]): Promise<number> {
  return runCommand('create', argv, async () => {
    const args = parseWriteArgs(argv, FLAGS, CREATE_USAGE, 'no reference file name');
    if (!args) return 0;
    const { values: v, positionals, listed } = args;
    const files = [positionals[0]!, ...listed, ...positionals.slice(1)];
    return runWriteJob('create', argv, v.output, (output, onProgress) =>
      createArchive({
        output,
        reference: files[0]!,
        samples: files.slice(1),
        kmerLength: intArg('k', v.kmer),
        segmentSize: intArg('s', v.segment),
        minMatchLength: intArg('l', v.minmatch),
        batchSize: intArg('b', v.batch),
        adaptive: v.adaptive ?? false,
        concatenated: v.concatenated ?? false,
        fallbackFraction: floatArg('f', v.fallback),
        threads: intArg('t', v.threads),
        invalidBase: v['invalid-base'],
        onProgress,
      }),
    );
  });
}
