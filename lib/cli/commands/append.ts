// `agc-node append`: add samples to an archive, writing a new archive (-o, or stdout). The input
// archive is never modified. Flags as upstream: -a -c -d -f -i -o -t -v.
import { appendArchive, defaultThreads, DEFAULTS, LIMITS, maxThreads } from '../../write/api.js';
import { runCommand } from '../common.js';
import { floatArg, intArg, parseWriteArgs, runWriteJob } from './create.js';

export const APPEND_USAGE = `Usage: agc-node append [options] <in.agc> [<genome.fa> ...] > <out.agc>
   Writes a new archive holding everything in <in.agc> plus the given FASTA files (one sample per
   file); <in.agc> itself is only read.
Options:
   -o <file>      write the new archive to <file> (atomically; not <in.agc>) instead of standard output
   -i <file>      take more input files from <file>, names separated by white space
   -a             adaptive: find extra splitters in the new samples (default off)
   -c             every FASTA record is a sample of its own, for genomes concatenated in one file (default off)
   -f <float>     share of fall-back minimizers for segments without splitters (default ${DEFAULTS.fallbackFraction} = off; ${LIMITS.fallbackFraction.min}..${LIMITS.fallbackFraction.max})
   -t <int>       worker threads; the archive does not depend on it (default ${defaultThreads()}; at least 1, more than ${maxThreads()} count as ${maxThreads()})
   -d             accepted for compatibility; format 3 archives store no command line
   -v <int>       verbosity: 0 quiet, 1 progress, 2 progress and stack traces (default 0)
   --invalid-base <letter>  store letters outside the IUPAC set (X, E, J, O, @, _, ...) as this IUPAC
                  letter, e.g. N (default: such letters are an error; agc would store them unreadably)
   --stats        print the wall and CPU time of each stage and the peak RSS at the end (-v 2 too)
   k-mer length, segment size, minimum match length and batch size are those of <in.agc>.
`;

const FLAGS = {
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

export async function run(argv: string[]): Promise<number> {
  return runCommand('append', argv, async () => {
    const args = parseWriteArgs(argv, FLAGS, APPEND_USAGE, 'no archive name');
    if (!args) return 0;
    const { values: v, positionals, listed } = args;
    const samples = [...listed, ...positionals.slice(1)];
    return runWriteJob('append', argv, v.output, (output, onProgress) =>
      appendArchive({
        input: positionals[0]!,
        output,
        samples,
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
