// `npm run bench` (node dist/bench/bench.js): runs every benchmark section and prints one
// markdown table. A section is a file bench/<name>.bench.ts exporting
//   `bench(ctx: BenchContext): Promise<BenchRow[]>`;
// this runner imports every compiled *.bench.js next to it, so other sections (create, append)
// are added by dropping in a file. Not a timed test: numbers depend on the machine and its load.
//
// Environment: AGC_BENCH_REPEAT (default 3; the median run is reported), AGC_BIN (an upstream agc
// binary; sections may add reference rows with it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

export interface BenchRow {
  section: string;
  name: string;
  /** Seconds of wall-clock time (median run). */
  wall?: number;
  /** Seconds of user + system CPU time. */
  cpu?: number;
  /** Peak resident set size in MiB. */
  rssMiB?: number;
  /** Free text: throughput, targets, upstream figures. */
  note?: string;
}

export interface BenchContext {
  repoRoot: string;
  sharedDir: string;
  /** Path of the compiled CLI. */
  cli: string;
  repeat: number;
  /** Upstream agc binary if AGC_BIN is set. */
  agcBin?: string;
  /** Run a command `repeat` times with stdout to /dev/null; returns the median run. */
  measure(command: string, args: string[], options?: { cwd?: string; env?: Record<string, string> }): { wall: number; cpu?: number; rssMiB?: number; code: number | null };
}

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/bench.js -> repo root two levels up
const repoRoot = path.resolve(here, '..', '..');
const timeBin = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p));

function measureOnce(command: string, args: string[], cwd?: string, env?: Record<string, string>) {
  const e = env ? { ...process.env, ...env } : process.env;
  if (timeBin) {
    const t0 = performance.now();
    const r = spawnSync(timeBin, ['-f', '%e %U %S %M', command, ...args], { cwd, env: e, stdio: ['ignore', 'ignore', 'pipe'] });
    const wallJs = (performance.now() - t0) / 1000;
    const lines = r.stderr.toString().trim().split('\n');
    const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
    if (m) return { wall: wallJs, cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024, code: r.status };
    return { wall: wallJs, code: r.status };
  }
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd, env: e, stdio: ['ignore', 'ignore', 'ignore'] });
  return { wall: (performance.now() - t0) / 1000, code: r.status };
}

function median<T extends { wall: number }>(runs: T[]): T {
  const s = [...runs].sort((a, b) => a.wall - b.wall);
  return s[Math.floor(s.length / 2)];
}

const fmt = (v: number | undefined, digits: number) => (v === undefined ? '' : v.toFixed(digits));

async function main(): Promise<void> {
  const repeat = Math.max(1, Number(process.env.AGC_BENCH_REPEAT ?? 3) || 3);
  const ctx: BenchContext = {
    repoRoot,
    sharedDir: path.resolve(repoRoot, '..', 'shared'),
    cli: path.join(repoRoot, 'dist', 'lib', 'cli', 'main.js'),
    repeat,
    agcBin: process.env.AGC_BIN,
    measure(command, args, options = {}) {
      const runs = Array.from({ length: repeat }, () => measureOnce(command, args, options.cwd, options.env));
      return median(runs);
    },
  };
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  const rows: BenchRow[] = [];
  for (const f of files) {
    const mod = (await import(path.join(here, f))) as { bench?: (c: BenchContext) => Promise<BenchRow[]> };
    if (typeof mod.bench !== 'function') continue;
    process.stderr.write(`bench: ${f} ...\n`);
    try {
      rows.push(...(await mod.bench(ctx)));
    } catch (e) {
      rows.push({ section: f.replace(/\.bench\.js$/, ''), name: 'FAILED', note: (e as Error).message.split('\n')[0] });
    }
  }
  const cpus = os.cpus();
  const out = [
    `agc-node benchmarks — ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}, median of ${repeat} run(s), load average ${os.loadavg()[0].toFixed(2)}`,
    '',
    '| section | benchmark | wall (s) | CPU (s) | peak RSS (MiB) | notes |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.section} | ${r.name} | ${fmt(r.wall, 3)} | ${fmt(r.cpu, 2)} | ${fmt(r.rssMiB, 0)} | ${r.note ?? ''} |`),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

const invoked = process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
