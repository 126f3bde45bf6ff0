// `npm run bench` (node dist/bench/bench.js): runs every benchmark section and prints one
// markdown table per section. A section is a file bench/<name>.bench.ts exporting
//   `bench(ctx: BenchContext): Promise<BenchRow[]>`;
// this runner imports every compiled *.bench.js next to it. `node dist/bench/bench.js read` runs
// only the sections whose file name starts with "read". Not a timed test: numbers depend on the
// machine and its load, which is why every comparison with upstream is made here, in one run.
//
// Environment:
//   AGC_BIN          upstream agc 3.2.2 (../shared/tools/build-upstream.sh builds it outside the repo)
//   AGC_REF_RANDOM   upstream's random-range yardstick (ref-random, built by the same script)
//   AGC_BENCH_REPEAT counted runs per command (default 5) after one warm-up each
//   AGC_BENCH_SCALE  1: add the synthetic chromosome-scale and many-sample rows (slow; tens of minutes)
//   AGC_BENCH_SYNTH  where synthetic collections are generated and kept (default: os.tmpdir())
//
// With upstream available, agc-node and upstream run alternately (A B A B ...) and the ratio column
// is the median of the per-pair ratios, so a machine whose speed drifts during the run still gives
// a fair ratio. Figures are wall seconds, CPU seconds (user + system, all threads) and peak RSS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

export interface Measurement {
  wall: number;
  cpu?: number;
  rssMiB?: number;
  code: number | null;
  /** What the command printed on stdout (only when asked for). */
  stdout?: string;
}

/** Ratios agc-node / upstream, each the median over alternating pairs of runs. */
export interface Ratio {
  wall?: number;
  cpu?: number;
  rss?: number;
}

export interface BenchRow {
  section: string;
  name: string;
  /** agc-node's figures (medians). */
  wall?: number;
  cpu?: number;
  rssMiB?: number;
  /** Upstream's figures from the same run (medians). */
  upstream?: { wall?: number; cpu?: number; rssMiB?: number; text?: string };
  ratio?: Ratio;
  /** The target for this row, e.g. "wall <= 1.0x". */
  target?: string;
  /** Free text: throughput, checks. */
  note?: string;
}

export interface Command {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Keep stdout (for commands that print their own figures); otherwise it goes to /dev/null. */
  captureStdout?: boolean;
}

export interface Comparison {
  a: Measurement;
  b?: Measurement;
  ratio?: Ratio;
  /** Every counted run, in order, for commands that print figures of their own. */
  runsA: Measurement[];
  runsB: Measurement[];
}

export interface BenchContext {
  repoRoot: string;
  sharedDir: string;
  /** Path of the compiled CLI. */
  cli: string;
  repeat: number;
  /** Upstream agc binary (AGC_BIN). */
  agcBin?: string;
  /** Upstream ref-random (AGC_REF_RANDOM). */
  refRandom?: string;
  /** Synthetic collections are wanted (AGC_BENCH_SCALE=1). */
  scale: boolean;
  /** Folder for generated synthetic collections. */
  synthDir: string;
  /** Run a command `repeat` times (after a warm-up); the median of each figure. */
  measure(cmd: Command): Measurement;
  /** A and B alternately, `repeat` counted pairs after one warm-up pair; B may be absent. */
  compare(a: Command, b: Command | undefined): Comparison;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/bench.js -> repo root two levels up
const repoRoot = path.resolve(here, '..', '..');
const timeBin = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p));
const bash = ['/bin/bash', '/usr/bin/bash'].find((p) => fs.existsSync(p));

/**
 * The environment of every timed command: this one without NODE_EXTRA_CA_CERTS. Node parses that
 * certificate bundle at every start, before any script runs (about 55 ms where the whole CA list is
 * named, as on some build machines); a default install does not set it, and neither agc-node nor
 * upstream reads certificates for local files.
 */
const strippedVariables = ['NODE_EXTRA_CA_CERTS'].filter((v) => process.env[v] !== undefined);
const baseEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !strippedVariables.includes(k)));

/**
 * One run. Wall time from here; peak RSS from GNU time (%M, the largest process); CPU time from
 * bash's `times` (children's user and system time; GNU time rounds to 10 ms).
 */
function measureOnce(c: Command): Measurement {
  const e = c.env ? { ...baseEnv, ...c.env } : baseEnv;
  const timed = timeBin ? [timeBin, '-f', 'RSS %M', c.command, ...c.args] : [c.command, ...c.args];
  const redirect = c.captureStdout ? '' : ' > /dev/null';
  const t0 = performance.now();
  const r = spawnSync(bash ?? 'bash', ['-c', `"$@"${redirect}; status=$?; times >&2; exit $status`, 'bench', ...timed], {
    cwd: c.cwd,
    env: e,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - t0) / 1000;
  const err = r.stderr?.toString() ?? '';
  const m: Measurement = { wall, code: r.status };
  if (c.captureStdout) m.stdout = r.stdout?.toString() ?? '';
  const rss = /RSS (\d+)/.exec(err);
  if (rss) m.rssMiB = Number(rss[1]) / 1024;
  // `times`: the shell's own user/system time, then its children's, as "XmY.YYYs XmY.YYYs"
  const t = [...err.matchAll(/(\d+)m([\d.]+)s/g)].map((x) => Number(x[1]) * 60 + Number(x[2]));
  if (t.length >= 4) m.cpu = t[t.length - 2]! + t[t.length - 1]!;
  return m;
}

export function median(values: (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1]! + v[h]!) / 2;
}

function summarize(runs: Measurement[]): Measurement {
  return {
    wall: median(runs.map((r) => r.wall))!,
    cpu: median(runs.map((r) => r.cpu)),
    rssMiB: median(runs.map((r) => r.rssMiB)),
    code: runs.find((r) => r.code !== 0)?.code ?? 0,
  };
}

const ratioOf = (x: number | undefined, y: number | undefined) => (x !== undefined && y !== undefined && y > 0 ? x / y : undefined);

const fmt = (v: number | undefined, digits: number) => (v === undefined ? '' : v.toFixed(digits));
const fmtRatio = (v: number | undefined) => (v === undefined ? '' : `${v.toFixed(2)}×`);

/** Markdown tables, one per section, in the order the sections first appear. */
export function formatTables(rows: BenchRow[]): string {
  const sections = [...new Set(rows.map((r) => r.section))];
  const out: string[] = [];
  for (const s of sections) {
    out.push(
      `### ${s}`,
      '',
      '| benchmark | wall (s) | CPU (s) | RSS (MiB) | upstream wall | upstream CPU | upstream RSS | ratio wall | ratio CPU | ratio RSS | target | notes |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    );
    for (const r of rows.filter((x) => x.section === s)) {
      const u = r.upstream;
      const uw = u?.text ?? fmt(u?.wall, 3);
      out.push(
        `| ${r.name} | ${fmt(r.wall, 3)} | ${fmt(r.cpu, 3)} | ${fmt(r.rssMiB, 0)} | ${uw} | ${fmt(u?.cpu, 3)} | ${fmt(u?.rssMiB, 0)} | ` +
          `${fmtRatio(r.ratio?.wall)} | ${fmtRatio(r.ratio?.cpu)} | ${fmtRatio(r.ratio?.rss)} | ${r.target ?? ''} | ${r.note ?? ''} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** Bench rows from a comparison (agc-node figures, upstream figures, ratios). */
export function comparisonRow(section: string, name: string, c: Comparison, extra: Partial<BenchRow> = {}): BenchRow {
  return {
    section,
    name,
    wall: c.a.wall,
    cpu: c.a.cpu,
    rssMiB: c.a.rssMiB,
    upstream: c.b ? { wall: c.b.wall, cpu: c.b.cpu, rssMiB: c.b.rssMiB } : { text: 'set AGC_BIN' },
    ratio: c.ratio,
    ...extra,
  };
}

/**
 * A synthetic collection (../shared/tools/synth.py), generated once and kept in ctx.synthDir.
 * Returns the folder and its FASTA files, reference first.
 */
export function synthetic(ctx: BenchContext, spec: { samples: number; mbp: number; chroms: number; seed: number }): { dir: string; files: string[] } {
  const dir = path.join(ctx.synthDir, `agc-node-synth-s${spec.samples}-m${spec.mbp}-c${spec.chroms}-r${spec.seed}`);
  const done = path.join(dir, '.complete');
  if (!fs.existsSync(done)) {
    fs.rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`bench: generating ${path.basename(dir)} ...\n`);
    const r = spawnSync(
      'python3',
      [
        path.join(ctx.sharedDir, 'tools', 'synth.py'),
        dir,
        '--samples',
        String(spec.samples),
        '--mbp',
        String(spec.mbp),
        '--chroms',
        String(spec.chroms),
        '--seed',
        String(spec.seed),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) throw new Error(`synth.py failed for ${dir}`);
    fs.writeFileSync(done, '');
  }
  // hap000 is the least fragmented sample, the reference: name order puts it first.
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.fa'))
    .sort();
  return { dir, files };
}

async function main(): Promise<void> {
  const repeat = Math.max(1, Number(process.env.AGC_BENCH_REPEAT ?? 5) || 5);
  const agcBin = process.env.AGC_BIN ? path.resolve(process.env.AGC_BIN) : undefined;
  const refRandom = process.env.AGC_REF_RANDOM ? path.resolve(process.env.AGC_REF_RANDOM) : undefined;
  const ctx: BenchContext = {
    repoRoot,
    sharedDir: path.resolve(repoRoot, '..', 'shared'),
    cli: path.join(repoRoot, 'dist', 'lib', 'cli', 'bin.cjs'),
    repeat,
    agcBin,
    refRandom,
    scale: process.env.AGC_BENCH_SCALE === '1',
    synthDir: process.env.AGC_BENCH_SYNTH ?? os.tmpdir(),
    measure(cmd) {
      measureOnce(cmd);
      return summarize(Array.from({ length: repeat }, () => measureOnce(cmd)));
    },
    compare(a, b) {
      measureOnce(a);
      if (b) measureOnce(b);
      const runsA: Measurement[] = [];
      const runsB: Measurement[] = [];
      for (let i = 0; i < repeat; i++) {
        runsA.push(measureOnce(a));
        if (b) runsB.push(measureOnce(b));
      }
      const out: Comparison = { a: summarize(runsA), runsA, runsB };
      if (b) {
        out.b = summarize(runsB);
        out.ratio = {
          wall: median(runsA.map((r, i) => ratioOf(r.wall, runsB[i]!.wall))),
          cpu: median(runsA.map((r, i) => ratioOf(r.cpu, runsB[i]!.cpu))),
          rss: median(runsA.map((r, i) => ratioOf(r.rssMiB, runsB[i]!.rssMiB))),
        };
      }
      return out;
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
  const head =
    `agc-node benchmarks — ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}, ${repeat} counted runs per command ` +
    `(agc-node and upstream alternating; ratios are medians of per-pair ratios), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}. ` +
    `Upstream: ${agcBin ?? 'not given (AGC_BIN)'}. Wall and CPU in seconds (CPU = user + system, all threads); \`node -e 0\` alone: ${startupNote()}` +
    (strippedVariables.length > 0 ? ` (${strippedVariables.join(', ')} removed from the commands' environment)` : '') +
    '.';
  process.stdout.write(`${head}\n\n${formatTables(rows)}`);
}

/** Wall and CPU of a bare node start, the floor under every process row. */
function startupNote(): string {
  const runs = Array.from({ length: 5 }, () => measureOnce({ command: process.execPath, args: ['-e', '0'] }));
  const m = summarize(runs);
  return `${fmt(m.wall, 3)} s wall, ${fmt(m.cpu, 3)} s CPU, ${fmt(m.rssMiB, 0)} MiB`;
}

const invoked = process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
