// Read-side benchmarks: getcol / getset / getctg as processes, and in-process random ranges.
import path from 'node:path';
import type { BenchContext, BenchRow } from './bench.js';
import { AgcArchive } from '../lib/reader.js';

// Upstream agc 3.2.2 on the 2-core reference machine (issue 3), for the notes column.
const UPSTREAM: Record<string, string> = {
  'getcol -t 2 klebsiella-8-default': 'agc ≈ 0.15 s / 49 MiB; target ≤ 1.5×',
  'getset klebsiella-8-default': 'agc ≈ 0.06 s',
  'getctg 4 kb klebsiella-8-default': 'agc ≈ 5 ms per process',
};

export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const node = process.execPath;
  const golden = path.join(ctx.sharedDir, 'golden');
  for (const id of ['klebsiella-8-default', 'saureus-6-default']) {
    const archive = path.join(golden, id, 'archive.agc');
    using a = AgcArchive.openSync(archive);
    const samples = a.samplesSync();
    for (const t of [1, 2]) {
      const r = ctx.measure(node, [ctx.cli, 'getcol', '-t', String(t), archive]);
      const name = `getcol -t ${t} ${id}`;
      rows.push({ section: 'read', name, ...r, note: [UPSTREAM[name], r.code ? `exit ${r.code}` : ''].filter(Boolean).join('; ') });
      if (ctx.agcBin) rows.push({ section: 'read (agc)', name, ...ctx.measure(ctx.agcBin, ['getcol', '-t', String(t), archive]) });
    }
    // Below ~128 Mbp -t 2 runs in one thread; this row shows what the worker path would cost.
    const w = ctx.measure(node, [ctx.cli, 'getcol', '-t', '2', archive], { env: { AGC_NODE_PARALLEL_MIN: '0' } });
    rows.push({ section: 'read', name: `getcol -t 2 ${id}, workers forced`, ...w, note: 'AGC_NODE_PARALLEL_MIN=0' });
    const s = samples[1] ?? samples[0];
    const r = ctx.measure(node, [ctx.cli, 'getset', archive, s]);
    rows.push({ section: 'read', name: `getset ${id}`, ...r, note: [`sample ${s}`, UPSTREAM[`getset ${id}`]].filter(Boolean).join('; ') });
    const first = a.sampleLayout(s)!.contigs[0];
    const mid = Math.floor(first.length / 2);
    const q = `${first.name.split(' ')[0]}@${s}:${mid}-${mid + 3999}`;
    const g = ctx.measure(node, [ctx.cli, 'getctg', archive, q]);
    rows.push({ section: 'read', name: `getctg 4 kb ${id}`, ...g, note: UPSTREAM[`getctg 4 kb ${id}`] ?? '' });
  }

  // 10,000 random 4 kb ranges in one process, one thread (issue target: > 5,000/s).
  const archive = path.join(golden, 'klebsiella-8-default', 'archive.agc');
  const rusage0 = process.cpuUsage();
  const t0 = performance.now();
  using a = await AgcArchive.open(archive);
  const contigs: { sample: string; name: string; length: number }[] = [];
  let total = 0;
  for (const s of await a.samples()) for (const c of a.sampleLayout(s)!.contigs) if (c.length >= 4000) contigs.push({ sample: s, name: c.name, length: c.length });
  for (const c of contigs) total += c.length;
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
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
  const cpu = process.cpuUsage(rusage0);
  rows.push({
    section: 'read',
    name: 'random 4 kb getSequence × 10,000 (klebsiella-8-default, in-process, 1 thread)',
    wall: (t2 - t0) / 1000,
    cpu: (cpu.user + cpu.system) / 1e6,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    note: `${Math.round(N / ((t2 - t1) / 1000)).toLocaleString('en-US')} calls/s (target > 5,000/s); open ${((t1 - t0) / 1000).toFixed(3)} s; ${(bytes / 1e6).toFixed(0)} MB returned; RSS is the whole bench process`,
  });
  return rows;
}
