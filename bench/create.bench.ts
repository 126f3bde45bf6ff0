// Write-side benchmarks (issue 4): `agc-node create` of saureus-6 and klebsiella-8 and
// `agc-node append` onto the golden base archives, at -t 1 and -t 2, as separate processes.
// Each row also checks the archive against the golden sha256 (a fast wrong answer is no answer).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext, BenchRow } from './bench.js';

// Upstream agc 3.2.2 on the 2-core reference machine (issue 4); targets: 1.5x wall, 2x memory.
const UPSTREAM: Record<string, { wall: number; rss: number } | undefined> = {
  'create -t 1 klebsiella-8-default': { wall: 4.0, rss: 129 },
  'create -t 2 klebsiella-8-default': { wall: 2.5, rss: 129 },
};

interface Case {
  id: string;
  dataset: string;
  steps: string[][];
  sha256: string;
}

function argsFor(step: string[], out: string, prev: string | undefined, threads: number): string[] {
  const args = [step[0]!];
  for (let i = 1; i < step.length; i++) {
    const a = step[i]!;
    if (a === '-t') {
      args.push('-t', String(threads));
      i++;
    } else if (a === '{out}') args.push(out);
    else if (a === '{prev}') args.push(prev!);
    else args.push(a);
  }
  return args;
}

/** Benchmarks of create and append; exported for the runner in bench.ts. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const golden = path.join(ctx.sharedDir, 'golden');
  const manifest = JSON.parse(fs.readFileSync(path.join(golden, 'MANIFEST.json'), 'utf8')) as { cases: Case[] };
  const byId = new Map(manifest.cases.map((c) => [c.id, c]));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-node-bench-'));
  const rows: BenchRow[] = [];
  const node = process.execPath;
  const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  try {
    const jobs: Array<{ id: string; step: number }> = [
      { id: 'saureus-6-default', step: 0 },
      { id: 'klebsiella-8-default', step: 0 },
      { id: 'saureus-6-append', step: 1 },
      { id: 'klebsiella-8-append-adaptive', step: 1 },
    ];
    for (const { id, step } of jobs) {
      const c = byId.get(id);
      if (!c) continue;
      const cwd = path.join(ctx.sharedDir, 'data', c.dataset);
      const prev = step > 0 ? path.join(golden, id, 'base.agc') : undefined;
      for (const t of [1, 2]) {
        const out = path.join(tmp, `${id}.t${t}.agc`);
        const args = argsFor(c.steps[step]!, out, prev, t);
        const r = ctx.measure(node, [ctx.cli, ...args], { cwd });
        const name = `${args[0]} -t ${t} ${id}`;
        const ok = r.code === 0 && fs.existsSync(out) && sha(out) === c.sha256;
        const up = UPSTREAM[name];
        const notes = [ok ? 'sha256 = golden' : `WRONG OUTPUT (exit ${r.code})`];
        if (up) notes.push(`target ≤ ${(1.5 * up.wall).toFixed(2)} s (1.5×), ≤ ${2 * up.rss} MiB (2×)`);
        rows.push({
          section: 'write',
          name,
          wall: r.wall,
          cpu: r.cpu,
          rssMiB: r.rssMiB,
          upstream: up ? { wall: up.wall, rssMiB: up.rss } : undefined,
          note: notes.join('; '),
        });
        if (ctx.agcBin) {
          const ref = ctx.measure(ctx.agcBin, argsFor(c.steps[step]!, path.join(tmp, 'agc.agc'), prev, t), { cwd });
          rows.push({ section: 'write (upstream agc binary, same machine)', name, wall: ref.wall, cpu: ref.cpu, rssMiB: ref.rssMiB });
        }
        fs.rmSync(out, { force: true });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** Name the issue used for this section's entry point. */
export const createBench = bench;
