// Read-side benchmarks: getcol / getset / getctg as processes (stdout to /dev/null, the output
// checked once against the golden sha256), and random ranges through the library in-process.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext, BenchRow, Upstream } from './bench.js';
import { AgcArchive } from '../lib/read/agc-archive.js';

// Upstream agc 3.2.2 on the 2-core reference machine (issue 3).
const UPSTREAM: Record<string, Upstream> = {
  'getcol -t 2 klebsiella-8': { wall: 0.15, rssMiB: 49 },
  'getset klebsiella-8': { wall: 0.06 },
  'getctg 4 kb klebsiella-8': { wall: 0.005, text: '5 ms per process' },
};

const DATASETS = ['klebsiella-8', 'saureus-6'];

/** sha256 of the command's stdout compared with the golden file: a fast wrong answer is no answer. */
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
  const section = 'read (agc-node CLI processes; stdout to /dev/null)';
  for (const ds of DATASETS) {
    const dir = path.join(golden, `${ds}-default`);
    const archive = path.join(dir, 'archive.agc');
    using a = AgcArchive.openSync(archive);
    const samples = a.samplesSync();
    for (const t of [1, 2]) {
      const name = `getcol -t ${t} ${ds}`;
      const args = ['getcol', '-t', String(t), archive];
      const r = ctx.measure(node, [ctx.cli, ...args]);
      rows.push({ section, name, ...r, upstream: UPSTREAM[name], note: check(ctx, args, path.join(dir, 'getcol.sha256')) });
      if (ctx.agcBin) rows.push({ section: 'read (upstream agc binary, same machine)', name, ...ctx.measure(ctx.agcBin, args.slice(0)) });
    }
    // The second sample: the first (the reference) decodes no LZ-diff segments at all.
    const s = samples[1] ?? samples[0];
    for (const t of [1, 2]) {
      const name = `getset -t ${t} ${ds}`;
      const args = ['getset', '-t', String(t), archive, s];
      const r = ctx.measure(node, [ctx.cli, ...args]);
      rows.push({ section, name: `${name} (${s})`, ...r, upstream: UPSTREAM[`getset ${ds}`], note: check(ctx, args, path.join(dir, 'getset', `${s}.fa.sha256`)) });
    }
    const first = a.sampleLayout(s)!.contigs[0];
    const mid = Math.floor(first.length / 2);
    const q = `${first.name.split(' ')[0]}@${s}:${mid}-${mid + 3999}`;
    const g = ctx.measure(node, [ctx.cli, 'getctg', archive, q]);
    rows.push({ section, name: `getctg 4 kb ${ds}`, ...g, upstream: UPSTREAM[`getctg 4 kb ${ds}`], note: 'one range per process' });
  }

  // 10,000 random 4 kb ranges in one process, one thread (issue target: > 5,000/s).
  const archive = path.join(golden, 'klebsiella-8-default', 'archive.agc');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  using a = await AgcArchive.open(archive);
  const contigs: { sample: string; name: string; length: number }[] = [];
  let total = 0;
  for (const s of await a.samples()) for (const c of a.sampleLayout(s)!.contigs) if (c.length >= 4000) contigs.push({ sample: s, name: c.name, length: c.length });
  for (const c of contigs) total += c.length;
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const pick = () => {
    // position uniform over all symbols
    let x = rand() * total;
    for (const c of contigs) {
      if (x < c.length) return c;
      x -= c.length;
    }
    return contigs[contigs.length - 1];
  };
  const N = 10_000;
  let bytes = 0;
  const t1 = performance.now();
  for (let i = 0; i < N; i++) {
    const c = pick();
    const st = Math.floor(rand() * (c.length - 4000));
    bytes += (await a.getSequence({ sample: c.sample, contig: c.name, start: st, end: st + 4000 }))!.length;
  }
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  rows.push({
    section: 'read (library, in-process)',
    name: 'getSequence of 10,000 random 4 kb ranges, klebsiella-8, 1 thread',
    wall: (t2 - t0) / 1000,
    cpu: (cpu.user + cpu.system) / 1e6,
    upstream: { text: 'target > 5,000 calls/s' },
    note: `**${Math.round(N / ((t2 - t1) / 1000)).toLocaleString('en-US')} calls/s**; open ${((t1 - t0) / 1000).toFixed(3)} s; ${(bytes / 1e6).toFixed(0)} MB returned`,
  });
  return rows;
}
