// `agc-node append`: add samples to an archive, writing a new archive (-o, or stdout). The input
// archive is never modified. Flags as upstream: -a -c -d -f -i -o -t -v.
import { appendArchive } from '../../write/api.js';
import { runCommand } from '../common.js';
import { SAMPLE_FLAGS, SAMPLE_OPTIONS_HELP, floatArg, intArg, parseWriteArgs, runWriteJob } from './create.js';

export const APPEND_USAGE = `Usage: agc-node append [options] <in.agc> [<genome.fa> ...] > <out.agc>
   Writes a new archive holding everything in <in.agc> plus the given FASTA files (one sample per
   file); <in.agc> itself is only read.
Options:
   -o <file>      write the new archive to <file> (atomically; not <in.agc>) instead of standard output
   -i <file>      take more input files from <file>, names separated by white space
   -a             adaptive: find extra splitters in the new samples (default off)
${SAMPLE_OPTIONS_HELP}   k-mer length, segment size, minimum match length and batch size are those of <in.agc>.
`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('append', argv, async () => {
    const args = parseWriteArgs(argv, SAMPLE_FLAGS, APPEND_USAGE, 'no archive name');
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
