// Write-side benchmarks: `agc-node create` / `append` against upstream agc on the same inputs,
// alternating runs, at -t 1 and -t 2. Every agc-node output is checked: against the golden sha256
// for the golden cases, against upstream's own output for synthetic collections (a fast wrong answer
// is no answer).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { comparisonRow, synthetic, type BenchContext, type BenchRow, type Command } from './bench.js';

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

const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
const TARGET = 'wall ≤ 1.0×, CPU ≤ 1.2×, RSS ≤ 1.25×';

/** Benchmarks of create and append; exported for the runner in bench.ts. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const golden = path.join(ctx.sharedDir, 'golden');
  const manifest = JSON.parse(fs.readFileSync(path.join(golden, 'MANIFEST.json'), 'utf8')) as { cases: Case[] };
  const byId = new Map(manifest.cases.map((c) => [c.id, c]));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-node-bench-'));
  const rows: BenchRow[] = [];
  const node = process.execPath;
  const section = 'write (agc-node vs upstream agc, alternating runs)';
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
        const a: Command = { command: node, args: [ctx.cli, ...args], cwd };
        const b: Command | undefined = ctx.agcBin
          ? { command: ctx.agcBin, args: argsFor(c.steps[step]!, path.join(tmp, 'upstream.agc'), prev, t), cwd }
          : undefined;
        const cmp = ctx.compare(a, b);
        const ok = cmp.a.code === 0 && fs.existsSync(out) && sha(out) === c.sha256;
        rows.push(
          comparisonRow(section, `${args[0]} -t ${t} ${id}`, cmp, { target: TARGET, note: ok ? 'sha256 = golden' : `WRONG OUTPUT (exit ${cmp.a.code})` }),
        );
        fs.rmSync(out, { force: true });
      }
    }
    rows.push(...stageRows(ctx, tmp, byId.get('klebsiella-8-default')));
    if (ctx.scale) rows.push(...scaleRows(ctx, tmp, section));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** Synthetic chromosome-scale and many-sample collections; agc-node's bytes must equal upstream's. */
function scaleRows(ctx: BenchContext, tmp: string, section: string): BenchRow[] {
  const rows: BenchRow[] = [];
  const sets = [
    { label: '8 samples × 60 Mbp', spec: { samples: 8, mbp: 60, chroms: 6, seed: 1 } },
    { label: '150 samples × 1 Mbp', spec: { samples: 150, mbp: 1, chroms: 2, seed: 1 } },
  ];
  for (const { label, spec } of sets) {
    const { dir, files } = synthetic(ctx, spec);
    for (const t of [1, 2]) {
      const out = path.join(tmp, 'node.agc');
      const ref = path.join(tmp, 'upstream.agc');
      const args = (o: string) => ['create', '-t', String(t), '-o', o, ...files];
      const cmp = ctx.compare(
        { command: process.execPath, args: [ctx.cli, ...args(out)], cwd: dir },
        ctx.agcBin ? { command: ctx.agcBin, args: args(ref), cwd: dir } : undefined,
      );
      let note = cmp.a.code === 0 ? 'exit 0' : `FAILED (exit ${cmp.a.code})`;
      if (ctx.agcBin && cmp.a.code === 0) note = sha(out) === sha(ref) ? 'bytes = upstream' : 'BYTES DIFFER FROM UPSTREAM';
      rows.push(comparisonRow(section, `create -t ${t} synthetic ${label}`, cmp, { target: TARGET, note }));
      fs.rmSync(out, { force: true });
      fs.rmSync(ref, { force: true });
    }
  }
  return rows;
}

/**
 * Where agc-node's time goes: one `create --stats` run per thread count on the golden case, its
 * stage table as rows (phases: wall and process CPU; steps: busy time of the main thread or of all
 * workers together, in the CPU column).
 */
export function stageRows(ctx: BenchContext, tmp: string, c: Case | undefined): BenchRow[] {
  if (!c) return [];
  const rows: BenchRow[] = [];
  const cwd = path.join(ctx.sharedDir, 'data', c.dataset);
  const api = path.join(path.dirname(ctx.cli), '..', 'write', 'api.js');
  for (const t of [1, 2]) {
    const out = path.join(tmp, `stages.t${t}.agc`);
    // The golden step's input files: every argument that is neither a flag nor a flag's value.
    const step = c.steps[0]!;
    const files: string[] = [];
    for (let i = 1; i < step.length; i++) {
      if (/^-[tokslbfi]$/.test(step[i]!)) i++;
      else if (!step[i]!.startsWith('-')) files.push(step[i]!);
    }
    const script =
      `const { createArchive } = await import(${JSON.stringify(new URL(`file://${api}`).href)});` +
      `const f = ${JSON.stringify(files)};` +
      `const s = await createArchive({ reference: f[0], samples: f.slice(1), output: ${JSON.stringify(out)}, threads: ${t} });` +
      `process.stdout.write(JSON.stringify(s.stats));`;
    // A script file, not `-e`: worker threads inherit the process's exec arguments.
    const file = path.join(tmp, 'stats-run.mjs');
    fs.writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', maxBuffer: 1 << 24 });
    const section = `create stages (agc-node, ${c.id}, -t ${t}; steps: thread busy s in the CPU column)`;
    if (r.status !== 0) {
      rows.push({ section, name: 'stats run', note: `FAILED (exit ${r.status}): ${r.stderr.trim().split('\n').slice(0, 6).join(' | ')}` });
      continue;
    }
    const st = JSON.parse(r.stdout) as { stages: Array<{ stage: string; wallMs: number; cpuMs: number }>; peakRssBytes: number; wallMs: number; cpuMs: number };
    for (const x of st.stages) {
      const step = x.stage.includes('/');
      rows.push({ section, name: step ? `  ${x.stage}` : x.stage, wall: step ? undefined : x.wallMs / 1000, cpu: x.cpuMs / 1000 });
    }
    rows.push({ section, name: 'total', wall: st.wallMs / 1000, cpu: st.cpuMs / 1000, rssMiB: st.peakRssBytes / 1048576 });
    fs.rmSync(out, { force: true });
  }
  return rows;
}
