// The decode of `getset <archive> <sample>` begun by bin.cts before the command line's code loads
// (the addon's WarmStart, on a pool thread): node spends ~10 ms loading that code and opening the
// archive on one core, while the decode could use another. The command then takes the decoded
// parts over (cli/warm-start.ts) or closes the handle.
//
// Only the plainest form is recognised, so that no second reading of the command's flags is
// needed: the command word and two arguments, neither of them a flag. Anything else (other
// commands, flags, several samples) starts nothing here. Nothing is reported here either: a
// missing file or sample, or a corrupt archive, is the command's to report.
import path from 'node:path';
import { createRequire } from 'node:module';
import type { WarmStart } from '../../binding.js';
import { directStdout } from './direct-stdout.cjs';

/** A warm start and what it was begun for. */
export interface EarlyStart {
  path: string;
  sample: string;
  warm: WarmStart;
  /** Asked for the whole FASTA text (warm.fasta): bin.cts writes it instead of running the command. */
  whole: boolean;
}

/**
 * Largest sample (symbols) whose whole FASTA text the warm start makes in memory; a larger one
 * takes the command's path, which writes as it decodes in bounded memory. The text is held until
 * the end: getset of one of 8 x 60 Mbp made whole peaked at 107 MiB instead of 62, for 0.87x the
 * wall to /dev/null and none through a pipe (paired, n = 12).
 */
const WHOLE_SYMBOLS = 16_000_000;

/**
 * The addon file that lib/native/load.ts loads first (a sanitizer build named by AGC_NODE_ADDON,
 * else the package's own build); undefined when it would ask node-gyp-build for a prebuilt one
 * (loading node-gyp-build costs more than the warm start gains).
 */
function addonFile(packageRoot: string): string | undefined {
  if (process.env.AGC_NODE_ADDON) return path.resolve(process.env.AGC_NODE_ADDON);
  if (process.env.AGC_NODE_PREBUILD || process.env.PREBUILDS_ONLY) return undefined;
  return path.join(packageRoot, 'build', 'Release', 'agc_node.node');
}

/**
 * The warm start for the command line `argv` (without node and the script), or undefined. Call
 * after UV_THREADPOOL_SIZE is set: this is the pool's first use. `whole`: ask for the whole FASTA
 * text when standard output allows writing it from bin.cts.
 */
export function startEarly(argv: readonly string[], packageRoot: string, whole = false): EarlyStart | undefined {
  if (argv.length !== 3 || argv[0] !== 'getset') return undefined;
  const [, file, sample] = argv;
  if (file === '' || sample === '' || file.startsWith('-') || sample.startsWith('-')) return undefined;
  const addon = addonFile(packageRoot);
  if (addon === undefined) return undefined;
  try {
    // (the same file as load.ts's require: node's module cache then loads it once)
    const native = createRequire(__filename)(addon) as { WarmStart: typeof WarmStart };
    // (only where the command too writes fd 1 directly does writing the whole text from bin.cts
    // behave as the command does; a terminal goes through the command)
    const fasta = whole && directStdout();
    return { path: file, sample, warm: new native.WarmStart(file, Buffer.from(sample, 'utf8'), fasta ? WHOLE_SYMBOLS : undefined), whole: fasta };
  } catch {
    return undefined;
  }
}
