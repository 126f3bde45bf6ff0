// Read-side benchmarks against upstream in the same run (alternating): getcol / getset / getctg as
// processes (stdout to /dev/null; agc-node's output checked once against the golden sha256), and
// random 4 kb ranges in one process: AgcArchive.getSequence (bench/random-ranges.ts) against
// upstream's own library (ref-random, AGC_REF_RANDOM), on the golden archives and, with
// AGC_BENCH_SCALE=1, on synthetic collections compressed by upstream agc.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparisonRow, median, synthetic, type BenchContext, type BenchRow, type Command, type Comparison } from './bench.js';
import { AgcArchive } from '../lib/read/agc-archive.js';

const DATASETS = ['klebsiella-8', 'saureus-6'];
const here = path.dirname(fileURLToPath(import.meta.url));

/** sha256 of the command's stdout compared with the golden file. */
function check(ctx: BenchContext, args: string[], shaFile: string): string {
  const r = spawnSync(process.execPath, [ctx.cli, ...args], { maxBuffer: 1 << 30 });
  if (r.status !== 0) return `FAILED (exit ${r.status}: ${r.stderr.toString().split('\n')[0]})`;
  const want = fs.readFileSync(shaFile, 'utf8').trim().split(/\s+/)[0];
  return createHash('sha256').update(r.stdout).digest('hex') === want ? 'output = golden' : 'WRONG OUTPUT';
}

export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const node = process.execPath;
  const golden = path.join(ctx.sharedDir, 'golden');
  const section = 'read (CLI processes, stdout to /dev/null; agc-node vs upstream agc, alternating runs)';
  const up = (args: string[]): Command | undefined => (ctx.agcBin ? { command: ctx.agcBin, args } : undefined);
  for (const ds of DATASETS) {
    const dir = path.join(golden, `${ds}-default`);
    const archive = path.join(dir, 'archive.agc');
    const a = AgcArchive.openSync(archive);
    const samples = a.samplesSync();
    for (const t of [1, 2]) {
      const args = ['getcol', '-t', String(t), archive];
      const cmp = ctx.compare({ command: node, args: [ctx.cli, ...args] }, up(args));
      rows.push(
        comparisonRow(section, `getcol -t ${t} ${ds}`, cmp, {
          target: t === 2 ? 'wall ≤ 1.0×' : undefined,
          note: check(ctx, args, path.join(dir, 'getcol.sha256')),
        }),
      );
    }
    // The second sample: the first (the reference) decodes no LZ-diff segments at all.
    const s = samples[1] ?? samples[0]!;
    const args = ['getset', archive, s];
    const cmp = ctx.compare({ command: node, args: [ctx.cli, ...args] }, up(args));
    rows.push(
      comparisonRow(section, `getset ${ds} (${s})`, cmp, { target: 'wall ≤ 1.3×', note: check(ctx, args, path.join(dir, 'getset', `${s}.fa.sha256`)) }),
    );
    const first = a.sampleLayout(s)!.contigs[0]!;
    const mid = Math.floor(first.length / 2);
    const q = `${first.name.split(' ')[0]}@${s}:${mid}-${mid + 3999}`;
    const g = ctx.compare({ command: node, args: [ctx.cli, 'getctg', archive, q] }, up(['getctg', archive, q]));
    rows.push(comparisonRow(section, `getctg 4 kb ${ds}`, g, { note: 'one range per process' }));
    a.close();
  }
  const startup = ctx.measure({ command: node, args: ['-e', '0'] });
  rows.push({ section, name: 'node -e 0 (start-up floor)', wall: startup.wall, cpu: startup.cpu, rssMiB: startup.rssMiB });
  {
    // CLI start-up: a command that decodes nothing, against the floor above
    const archive = path.join(golden, 'klebsiella-8-default', 'archive.agc');
    const cmp = ctx.compare({ command: node, args: [ctx.cli, 'listset', archive] }, up(['listset', archive]));
    const extra = cmp.a.cpu !== undefined && startup.cpu !== undefined ? ` (CPU ${Math.round((cmp.a.cpu - startup.cpu) * 1000)} ms over node -e 0)` : '';
    rows.push(comparisonRow(section, 'listset klebsiella-8', cmp, { target: 'node start-up + ≤ 40 ms', note: `start-up${extra}` }));
  }

  rows.push(...randomRows(ctx, 'klebsiella-8', path.join(golden, 'klebsiella-8-default', 'archive.agc')));
  if (ctx.scale && ctx.agcBin) {
    const sets = [
      { label: 'synthetic 24 × 8 Mbp', spec: { samples: 24, mbp: 8, chroms: 4, seed: 1 } },
      { label: 'synthetic 150 × 1 Mbp', spec: { samples: 150, mbp: 1, chroms: 2, seed: 1 } },
      { label: 'synthetic 8 × 60 Mbp', spec: { samples: 8, mbp: 60, chroms: 6, seed: 1 } },
    ];
    for (const { label, spec } of sets) {
      const { dir, files } = synthetic(ctx, spec);
      const archive = path.join(dir, 'upstream.agc');
      if (!fs.existsSync(archive)) {
        const r = spawnSync(ctx.agcBin, ['create', '-t', '2', '-o', archive + '.tmp', ...files], { cwd: dir, stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`upstream create failed for ${dir}`);
        fs.renameSync(archive + '.tmp', archive);
      }
      rows.push(...randomRows(ctx, label, archive));
      rows.push(openRow(ctx, label, archive));
      if (spec.samples === 24) rows.push(upstreamCheckedRow(ctx, section, `getcol -t 2 ${label}`, ['getcol', '-t', '2', archive], 'wall ≤ 1.0×'));
      if (spec.samples !== 150) {
        // The second sample, as for the golden sets: a whole sample of 8 or 60 Mbp, where the
        // extraction itself and not node's start-up is measured.
        const opened = AgcArchive.openSync(archive);
        const s = opened.samplesSync()[1]!;
        opened.close();
        rows.push(upstreamCheckedRow(ctx, section, `getset ${label} (${s})`, ['getset', archive, s], 'wall ≤ 1.3×'));
      }
    }
  }
  return rows;
}

/**
 * Whole-collection and whole-sample extraction where node's start-up no longer dominates (a
 * synthetic set), agc-node's output checked against upstream's.
 */
function upstreamCheckedRow(ctx: BenchContext, section: string, name: string, args: string[], target: string): BenchRow {
  const cmp = ctx.compare({ command: process.execPath, args: [ctx.cli, ...args] }, { command: ctx.agcBin!, args });
  const digest = (r: ReturnType<typeof spawnSync>) =>
    createHash('sha256')
      .update(r.stdout as Buffer)
      .digest('hex');
  const mine = spawnSync(process.execPath, [ctx.cli, ...args], { maxBuffer: 1 << 30 });
  const theirs = spawnSync(ctx.agcBin!, args, { maxBuffer: 1 << 30 });
  const note = mine.status !== 0 ? `FAILED (exit ${mine.status})` : digest(mine) === digest(theirs) ? 'output = upstream' : 'OUTPUT DIFFERS FROM UPSTREAM';
  return comparisonRow(section, name, cmp, { target, note });
}

const rate = (m: Comparison['runsA']) => median(m.map((r) => Number(/= (\d+) \/s/.exec(r.stdout ?? '')?.[1])));

/**
 * Ranges per second of one random-ranges run; with prefetch counted from before the open (its
 * background decoding overlaps the ranges), so that no work is left out of the figure.
 */
function runRate(stdout: string | undefined, prefetch: boolean): number {
  if (!prefetch) return Number(/= (\d+) \/s/.exec(stdout ?? '')?.[1]);
  const n = Number(/; (\d+) ranges of/.exec(stdout ?? '')?.[1]);
  const total = Number(/open\+list\+ranges ([\d.]+) s/.exec(stdout ?? '')?.[1]);
  return total > 0 ? Math.round(n / total) : NaN;
}

/** N random 4 kb ranges in one process: agc-node's library (default open, and prefetch) against upstream's. */
function randomRows(ctx: BenchContext, label: string, archive: string): BenchRow[] {
  return [randomRow(ctx, label, archive, false), randomRow(ctx, label, archive, true)];
}

function randomRow(ctx: BenchContext, label: string, archive: string, prefetch: boolean): BenchRow {
  const n = '10000';
  const a: Command = { command: process.execPath, args: [path.join(here, 'random-ranges.js'), archive, n, '4000', prefetch ? '1' : '0'], captureStdout: true };
  const b: Command | undefined = ctx.refRandom ? { command: ctx.refRandom, args: [archive, n, '4000', '1'], captureStdout: true } : undefined;
  const cmp = ctx.compare(a, b);
  const ra = median(cmp.runsA.map((r) => runRate(r.stdout, prefetch)));
  const rb = b ? rate(cmp.runsB) : undefined;
  const ratios = cmp.runsA.map((r, i) => {
    const x = runRate(r.stdout, prefetch);
    const y = Number(/= (\d+) \/s/.exec(cmp.runsB[i]?.stdout ?? '')?.[1]);
    return y > 0 ? x / y : undefined;
  });
  const q = median(ratios);
  const what = prefetch
    ? 'read (library, one process, 10,000 random 4 kb ranges, open({ prefetch: true }) with its background decoding, timed from before the open; agc-node vs upstream libagc, alternating)'
    : 'read (library, one process, 10,000 random 4 kb ranges; agc-node vs upstream libagc, alternating)';
  return comparisonRow(what, label, cmp, {
    upstream: b ? { wall: cmp.b?.wall, cpu: cmp.b?.cpu, rssMiB: cmp.b?.rssMiB } : { text: 'set AGC_REF_RANDOM' },
    target: 'rate ≥ 10× upstream',
    note:
      `**${ra?.toLocaleString('en-US') ?? '?'} /s** vs ${rb?.toLocaleString('en-US') ?? '—'} /s` +
      (q !== undefined ? ` = **${q.toFixed(1)}×** (median of pairs)` : ''),
  });
}

/** Open cost at this sample count (bench/open-cost.ts) beside upstream's open+list line. */
function openRow(ctx: BenchContext, label: string, archive: string): BenchRow {
  const a: Command = { command: process.execPath, args: [path.join(here, 'open-cost.js'), archive], captureStdout: true };
  const b: Command | undefined = ctx.refRandom ? { command: ctx.refRandom, args: [archive, '1', '4000', '1'], captureStdout: true } : undefined;
  const cmp = ctx.compare(a, b);
  const first = (m: Comparison['runsA']) => (m[0]?.stdout ?? '').trim().split(';')[0];
  return comparisonRow('read (open cost: agc-node open alone, upstream libagc open+list with prefetch)', label, cmp, {
    target: 'flat in the sample count',
    note: `${(cmp.runsA[0]?.stdout ?? '').trim()}${b ? ` — upstream: ${first(cmp.runsB)}` : ''}`,
  });
}
