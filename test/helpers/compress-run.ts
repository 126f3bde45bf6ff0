// Running golden cases through the agc-node CLI in-process, and round-trip checks of archives
// against their FASTA inputs.
import './compress-env.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../lib/cli/main.js';
import { AgcArchive } from '../../lib/read/agc-archive.js';
import { readFastaContigs, sampleNameFromPath } from '../../lib/fasta/read-fasta.js';
import { CODE_TO_LETTER } from '../../lib/format/alphabet.js';
import { datasetDir, type GoldenCase } from '../shared-data.js';

/** Options of agc create/append that take a value. */
const VALUED = new Set(['-t', '-o', '-k', '-s', '-l', '-b', '-f', '-i', '-v']);

/**
 * A manifest step as CLI arguments: {out}/{prev} substituted, input files made absolute (relative to
 * the dataset folder, where upstream ran), and the thread count replaced by `threads`.
 */
export function stepArgs(step: string[], cwd: string, out: string, prev: string | null, threads: number): string[] {
  const args: string[] = [step[0]!];
  for (let i = 1; i < step.length; i++) {
    const a = step[i]!;
    if (VALUED.has(a)) {
      let v = step[++i]!;
      if (a === '-t') v = String(threads);
      else if (v === '{out}') v = out;
      else if (a === '-i') v = path.resolve(cwd, v);
      args.push(a, v);
    } else if (a.startsWith('-')) args.push(a);
    else if (a === '{prev}') args.push(prev!);
    else if (a === '{out}') args.push(out);
    else args.push(path.resolve(cwd, a));
  }
  return args;
}

export function sha256File(p: string): string {
  return createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `agc-node-${prefix}-`));
}

/** Run all steps of a golden case; returns the path of every step's archive. */
export async function runCase(c: GoldenCase, threads: number, dir: string): Promise<string[]> {
  const cwd = datasetDir(c.dataset);
  const outs: string[] = [];
  let prev: string | null = null;
  for (let s = 0; s < c.steps.length; s++) {
    const out = path.join(dir, `${c.id}.t${threads}.${s}.agc`);
    const code = await main(stepArgs(c.steps[s]!, cwd, out, prev, threads));
    if (code !== 0) throw new Error(`${c.id} step ${s} exited with ${code}`);
    outs.push(out);
    prev = out;
  }
  return outs;
}

/** Input files of a step (positional arguments after the command), absolute. */
export function stepInputs(step: string[], cwd: string): string[] {
  const files: string[] = [];
  for (let i = 1; i < step.length; i++) {
    const a = step[i]!;
    if (VALUED.has(a)) i++;
    else if (!a.startsWith('-') && a !== '{prev}' && a !== '{out}') files.push(path.resolve(cwd, a));
  }
  return files;
}

/**
 * Check that `archive` holds exactly the sequences of `files` (in -c mode every record is its own
 * sample named by its first word). Compares letters: codes 0..15 print as their letter.
 */
export async function expectRoundTrip(archive: string, files: string[], concatenated = false): Promise<{ samples: number; contigs: number }> {
  using a = AgcArchive.openSync(archive);
  let samples = 0;
  let contigs = 0;
  const next = new Map<string, number>();
  for (const f of files) {
    const sample = sampleNameFromPath(f);
    for await (const { name, seq } of readFastaContigs(f)) {
      const s = concatenated ? name.split(/[ \t\r\n]/)[0]! : sample;
      const layout = a.sampleLayout(s);
      if (!layout) throw new Error(`${archive}: sample ${s} missing`);
      const i = next.get(s) ?? 0;
      next.set(s, i + 1);
      if (i === 0) samples++;
      const c = layout.contigs[i];
      if (!c || c.name !== name) throw new Error(`${archive}: ${s} contig ${i} is ${c?.name}, expected ${name}`);
      const got = a.readContig(c, 0, c.length, false);
      const want = new Uint8Array(seq.length);
      for (let j = 0; j < seq.length; j++) want[j] = CODE_TO_LETTER[seq[j]!]!;
      if (Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0) {
        let j = 0;
        while (j < Math.min(got.length, want.length) && got[j] === want[j]) j++;
        throw new Error(`${archive}: ${s}/${name} differs at ${j} (length ${got.length} vs ${want.length})`);
      }
      contigs++;
    }
  }
  for (const [s, n] of next) {
    const have = a.sampleLayout(s)!.contigs.length;
    if (have !== n) throw new Error(`${archive}: ${s} has ${have} contigs, expected ${n}`);
  }
  return { samples, contigs };
}
