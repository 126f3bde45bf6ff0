// `npm run bench` (node dist/bench/bench.js): runs every benchmark section and prints one
// markdown table per section. A section is a file bench/<name>.bench.ts exporting
//   `bench(ctx: BenchContext): Promise<BenchRow[]>`;
// this runner imports every compiled *.bench.js next to it, so other sections (create, append)
// are added by dropping in a file. `node dist/bench/bench.js read` runs only the sections whose
// file name starts with "read". Not a timed test: numbers depend on the machine and its load.
//
// Environment: AGC_BENCH_REPEAT (default 5; the median run is reported), AGC_BIN (an upstream agc
// binary; sections may add reference rows with it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

/** Upstream agc's figures for a row (the reference the ratio column compares with). */
export interface Upstream {
  /** Seconds of wall-clock time. */
  wall?: number;
  /** Peak resident set size in MiB. */
  rssMiB?: number;
  /** How to show it when it is not just the numbers (e.g. "5 ms per process"). */
  text?: string;
}

export interface BenchRow {
  section: string;
  name: string;
  /** Seconds of wall-clock time (median run). */
  wall?: number;
  /** Seconds of user + system CPU time, all threads (median run). */
  cpu?: number;
  /** Peak resident set size in MiB (median run). */
  rssMiB?: number;
  upstream?: Upstream;
  /** Free text: throughput, targets, checks. */
  note?: string;
}

export interface Measurement {
  wall: number;
  cpu?: number;
  rssMiB?: number;
  code: number | null;
}

export interface BenchContext {
  repoRoot: string;
  sharedDir: string;
  /** Path of the compiled CLI. */
  cli: string;
  repeat: number;
  /** Upstream agc binary if AGC_BIN is set. */
  agcBin?: string;
  /** Run a command `repeat` times with stdout to /dev/null; returns the median of each figure. */
  measure(command: string, args: string[], options?: { cwd?: string; env?: Record<string, string> }): Measurement;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/bench.js -> repo root two levels up
const repoRoot = path.resolve(here, '..', '..');
const timeBin = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p));
const bash = ['/bin/bash', '/usr/bin/bash'].find((p) => fs.existsSync(p));

/**
 * One run. Wall time from here; peak RSS from GNU time (%M); CPU time from bash's `times`, which
 * reports the children's user and system time in milliseconds (GNU time rounds to 10 ms).
 */
function measureOnce(command: string, args: string[], cwd?: string, env?: Record<string, string>): Measurement {
  const e = env ? { ...process.env, ...env } : process.env;
  const timed = timeBin ? [timeBin, '-f', 'RSS %M', command, ...args] : [command, ...args];
  const t0 = performance.now();
  const r = bash
    ? spawnSync(bash, ['-c', '"$@" > /dev/null; status=$?; times; exit $status', 'bench', ...timed], { cwd, env: e, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawnSync(timed[0], timed.slice(1), { cwd, env: e, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = (performance.now() - t0) / 1000;
  const m: Measurement = { wall, code: r.status };
  const rss = /RSS (\d+)/.exec(r.stderr?.toString() ?? '');
  if (rss) m.rssMiB = Number(rss[1]) / 1024;
  // `times`: the shell's own user/system time, then its children's, as "XmY.YYYs XmY.YYYs"
  const t = [...(r.stdout?.toString() ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((x) => Number(x[1]) * 60 + Number(x[2]));
  if (t.length >= 4) m.cpu = t[2] + t[3];
  return m;
}

function median(values: (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : undefined;
}

const fmt = (v: number | undefined, digits: number) => (v === undefined ? '' : v.toFixed(digits));

function upstreamText(u: Upstream | undefined): string {
  if (!u) return '';
  if (u.text) return u.text;
  return [u.wall !== undefined ? `${u.wall} s` : '', u.rssMiB !== undefined ? `${u.rssMiB} MiB` : ''].filter(Boolean).join(' / ');
}

function ratioText(r: BenchRow): string {
  const u = r.upstream;
  if (!u) return '';
  const parts: string[] = [];
  if (u.wall !== undefined && r.wall !== undefined) parts.push(`${(r.wall / u.wall).toFixed(2)}× wall`);
  if (u.rssMiB !== undefined && r.rssMiB !== undefined) parts.push(`${(r.rssMiB / u.rssMiB).toFixed(2)}× RSS`);
  return parts.join(', ');
}

/** Markdown tables, one per section, in the order the sections first appear. */
export function formatTables(rows: BenchRow[]): string {
  const sections = [...new Set(rows.map((r) => r.section))];
  const out: string[] = [];
  for (const s of sections) {
    out.push(`### ${s}`, '', '| benchmark | wall (s) | CPU (s) | peak RSS (MiB) | upstream (reference) | ratio | notes |', '|---|---:|---:|---:|---:|---:|---|');
    for (const r of rows.filter((x) => x.section === s))
      out.push(`| ${r.name} | ${fmt(r.wall, 3)} | ${fmt(r.cpu, 3)} | ${fmt(r.rssMiB, 0)} | ${upstreamText(r.upstream)} | ${ratioText(r)} | ${r.note ?? ''} |`);
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const repeat = Math.max(1, Number(process.env.AGC_BENCH_REPEAT ?? 5) || 5);
  const ctx: BenchContext = {
    repoRoot,
    sharedDir: path.resolve(repoRoot, '..', 'shared'),
    cli: path.join(repoRoot, 'dist', 'lib', 'cli', 'main.js'),
    repeat,
    agcBin: process.env.AGC_BIN,
    measure(command, args, options = {}) {
      const runs = Array.from({ length: repeat }, () => measureOnce(command, args, options.cwd, options.env));
      return {
        wall: median(runs.map((r) => r.wall))!,
        cpu: median(runs.map((r) => r.cpu)),
        rssMiB: median(runs.map((r) => r.rssMiB)),
        code: runs.find((r) => r.code !== 0)?.code ?? 0,
      };
    },
  };
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort((a, b) => (a.startsWith('read.') ? -1 : b.startsWith('read.') ? 1 : a < b ? -1 : a > b ? 1 : 0));
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
  const head = `agc-node benchmarks — ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}, median of ${repeat} runs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}. Wall and CPU in seconds (CPU = user + system, all threads); \`node -e 0\` alone: ${startupNote()}.`;
  process.stdout.write(`${head}\n\n${formatTables(rows)}`);
}

/** Wall and CPU of a bare node start, the floor under every process row. */
function startupNote(): string {
  const runs = Array.from({ length: 5 }, () => measureOnce(process.execPath, ['-e', '0']));
  return `${fmt(median(runs.map((r) => r.wall)), 3)} s wall, ${fmt(median(runs.map((r) => r.cpu)), 3)} s CPU, ${fmt(median(runs.map((r) => r.rssMiB)), 0)} MiB`;
}

const invoked = process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
