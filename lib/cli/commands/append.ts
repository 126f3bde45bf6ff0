// `agc-node append`: add samples to an archive, writing a new archive (-o, or stdout). The input
// archive is never modified. Flags as upstream: -a -c -d -f -i -o -t -v.
import { appendArchive, defaultThreads } from '../../write/api.js';
import { runCommand } from '../common.js';
import { floatArg, intArg, parseWriteArgs, runWriteJob } from './create.js';

export const APPEND_USAGE = `Usage: agc-node append [options] <in.agc> [<in1.fa> ...] > <out.agc>
Options:
   -a             - adaptive mode (default: false)
   -c             - concatenated genomes in a single file (default: false)
   -d             - do not store cmd-line (accepted; format 3 archives never store it)
   -f <float>     - fraction of fall-back minimizers (default: 0; min: 0, max: 0.05)
   -i <file_name> - file with FASTA file names (alternative to listing file names explicitly in command line)
   -o <file_name> - output to file (default: output is sent to stdout); must differ from <in.agc>
   -t <int>       - no of threads (default: ${defaultThreads()}; min: 1)
   -v <int>       - verbosity level (default: 0; min: 0, max: 2; 2 adds the stage table)
   --stats        - print per-stage wall and CPU times and the peak RSS at the end
k-mer length, segment size, min. match length and batch size come from <in.agc>.
`;

const FLAGS = {
  adaptive: { type: 'boolean', short: 'a' },
  concatenated: { type: 'boolean', short: 'c' },
  nocmd: { type: 'boolean', short: 'd' },
  fallback: { type: 'string', short: 'f' },
  list: { type: 'string', short: 'i' },
  output: { type: 'string', short: 'o' },
  threads: { type: 'string', short: 't' },
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
        onProgress,
      }),
    );
  });
}
