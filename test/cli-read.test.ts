// The read-side CLI against upstream's golden outputs. Most checks call the command functions
// in-process with -o (fast); a set of real spawns of dist/lib/cli/main.js checks stdout, exit
// codes, stderr, worker threads and the atomic output files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cmd from '../lib/cli/commands/read.js';
import { parseContigQuery, resolveRange } from '../lib/cli/commands/query.js';
import {
  AgcInputError,
  AtomicFile,
  AtomicPath,
  flagOption,
  intOption,
  parseCommandArgs,
  sniffVerbosity,
  validate,
  outputFileOption,
  verbosityOption,
  writeFileAtomic,
  type Output,
} from '../lib/cli/common.js';
import { FastaSink } from '../lib/cli/fasta-sink.js';
import { BulkExtraction } from '../lib/cli/bulk-extract.js';
import { contigPieces } from '../lib/read/native-extract.js';
import { archivePath, caseDir, cases, datasetDir, getctgQueries, goldenSha, inputFiles, listsetOf, quick, readText, repoRoot, sha256 } from './shared-data.js';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { AgcCorruptError } from '../lib/errors.js';
import { isGroupStream, writeGarbledParts } from './helpers/garble-parts.js';

const selected = cases.filter((c) => !quick || !c.dataset.startsWith('klebsiella'));
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-cli-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let tmpCount = 0;
const tmpDir = () => {
  const d = path.join(tmpRoot, String(tmpCount++));
  fs.mkdirSync(d);
  return d;
};

// Run a command in-process with -o into a fresh folder; returns the output bytes.
async function run(fn: (argv: string[]) => Promise<number>, args: string[]): Promise<Buffer> {
  const out = path.join(tmpDir(), 'out');
  const code = await fn(['-o', out, ...args]);
  expect(code, `${args.join(' ')}`).toBe(0);
  return fs.readFileSync(out);
}

describe.each(selected)('agc-node read commands on $id', (c) => {
  const a = archivePath(c);
  const samples = listsetOf(c);

  it('listset, listref, listctg and info equal the golden text', async () => {
    expect((await run(cmd.listset, [a])).toString()).toBe(readText(c, 'listset.txt'));
    expect((await run(cmd.listref, [a])).toString()).toBe(readText(c, 'listref.txt'));
    expect((await run(cmd.listctg, [a, ...samples])).toString()).toBe(readText(c, 'listctg.txt'));
    expect((await run(cmd.info, [a])).toString()).toBe(readText(c, 'info.txt'));
  });

  it('getcol -l 80 hashes to the golden sha256', async () => {
    const dir = tmpDir();
    expect(await cmd.getcol(['-l', '80', '-t', '1', '-o', dir, a])).toBe(0);
    using ar = AgcArchive.openSync(a);
    const all = Buffer.concat(ar.samplesSync().map((s) => fs.readFileSync(path.join(dir, `${s}.fa`))));
    expect(sha256(all)).toBe(goldenSha(path.join(caseDir(c), 'getcol.sha256')));
    expect(fs.readdirSync(dir).length).toBe(samples.length); // no temporary files left
  });

  it('getset -l 80 of every sample hashes to the golden sha256, with the default and -t 1, 2 and 3 threads', async () => {
    for (const s of samples) {
      const want = goldenSha(path.join(caseDir(c), 'getset', `${s}.fa.sha256`));
      expect(sha256(await run(cmd.getset, ['-l', '80', a, s])), s).toBe(want);
      for (const t of ['1', '2', '3']) expect(sha256(await run(cmd.getset, ['-l', '80', '-t', t, a, s])), `${s} -t ${t}`).toBe(want);
    }
  });

  it('getctg reproduces every golden query exactly (and the same sequence with -s for whole contigs)', async () => {
    for (const q of getctgQueries(c)) {
      const want = fs.readFileSync(q.expected);
      expect((await run(cmd.getctg, ['-l', '80', a, ...q.args])).toString()).toBe(want.toString());
    }
  });
});

describe('getctg query parsing (upstream syntax, 0-based inclusive)', () => {
  it('splits at the last @, the last : after it and the last - after that', () => {
    expect(parseContigQuery('ctg')).toEqual({ text: 'ctg', name: 'ctg' });
    expect(parseContigQuery('a@b@s')).toMatchObject({ name: 'a@b', sample: 's' });
    expect(parseContigQuery('gi|1|x:5-10')).toMatchObject({ name: 'gi|1|x', range: { from: 5n, to: 10n } });
    expect(parseContigQuery('c:1:2-3')).toMatchObject({ name: 'c:1', range: { from: 2n, to: 3n } });
    expect(() => parseContigQuery('c@s:1-2-3')).toThrow(/'1-2' is not an integer/);
    expect(parseContigQuery('c:-5-10')).toMatchObject({ name: 'c', range: { from: -5n, to: 10n } });
    expect(parseContigQuery('c@s')).toMatchObject({ name: 'c', sample: 's' });
    expect(parseContigQuery('c-1')).toEqual({ text: 'c-1', name: 'c-1' });
  });

  it('rejects empty queries and non-numeric ranges', () => {
    expect(() => parseContigQuery('')).toThrow(/Wrong contig format/);
    expect(() => parseContigQuery('c:1-x')).toThrow(/malformed range/);
    expect(() => parseContigQuery('c@s:a-1')).toThrow(/malformed range/);
  });

  it("normalises ranges as upstream's decompress_contig", () => {
    expect(resolveRange(undefined, 100)).toMatchObject({ start: 0, end: 100, suffix: '' });
    expect(resolveRange({ from: 10n, to: 20n }, 100)).toMatchObject({ start: 10, end: 21, suffix: ':10-20' });
    expect(resolveRange({ from: 90n, to: 200n }, 100)).toMatchObject({ start: 90, end: 100, suffix: ':90-200' });
    expect(resolveRange({ from: 150n, to: 200n }, 100)).toMatchObject({ start: 100, end: 100, suffix: ':150-200' });
    const neg = resolveRange({ from: -1n, to: 5n }, 100);
    expect(neg).toMatchObject({ start: 0, end: 6, suffix: ':0-5' });
    expect(neg.warnings[0]).toMatch(/Start of range \(-1\) is below 0/);
    const rev = resolveRange({ from: 20n, to: 10n }, 100);
    expect(rev).toMatchObject({ start: 0, end: 100, suffix: '' });
    expect(rev.warnings[0]).toMatch(/prior to start/);
    // streaming header: the range as given, whenever both ends are >= 0
    expect(resolveRange({ from: 20n, to: 10n }, 100, true)).toMatchObject({ start: 0, end: 100, suffix: ':20-10' });
    expect(resolveRange({ from: -1n, to: 5n }, 100, true)).toMatchObject({ start: 0, end: 6, suffix: '' });
  });
});

describe('cli/common helpers (shared with create/append)', () => {
  it('AtomicFile and AtomicPath only show the target after commit', async () => {
    const dir = tmpDir();
    const target = path.join(dir, 'f.txt');
    const f = new AtomicFile(target);
    await f.write('abc');
    f.writeSync(Buffer.from('def'));
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(dir)).toHaveLength(1); // the temporary
    await f.commit();
    expect(fs.readFileSync(target, 'utf8')).toBe('abcdef');
    const g = new AtomicFile(target);
    await g.write('zzz');
    g.abort();
    expect(fs.readFileSync(target, 'utf8')).toBe('abcdef');
    expect(fs.readdirSync(dir)).toEqual(['f.txt']);
    const p = new AtomicPath(path.join(dir, 'a.agc'));
    fs.writeFileSync(p.tempPath, 'archive');
    p.commit();
    expect(fs.readFileSync(path.join(dir, 'a.agc'), 'utf8')).toBe('archive');
    await writeFileAtomic(path.join(dir, 'w'), 'x');
    expect(fs.readFileSync(path.join(dir, 'w'), 'utf8')).toBe('x');
    expect(() => new AtomicFile(dir)).toThrow(/is a directory/);
    expect(() => new AtomicFile(path.join(dir, 'missing', 'x'))).toThrow(/cannot write output/);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.agc', 'f.txt', 'w']);
  });

  it('parses options like upstream: clamped integers, errors for non-integers and unknown options', () => {
    const checks = { lineLength: intOption('l', 80, 40, 2_000_000_000), verbosity: verbosityOption };
    expect(validate(checks, {})).toEqual({ lineLength: 80, verbosity: 0 });
    expect(validate(checks, { lineLength: '10', verbosity: '7' })).toEqual({ lineLength: 40, verbosity: 2 });
    expect(() => validate(checks, { lineLength: '8x' })).toThrow(/^-l: expected an integer, got '8x'$/);
    expect(validate(checks, { lineLength: ' +95 ', verbosity: '-3' })).toEqual({ lineLength: 95, verbosity: 0 });
    // the first bad flag in the order of the checks is the one reported
    const both = { output: outputFileOption, lineLength: intOption('l', 80, 40, 2_000_000_000), streaming: flagOption };
    expect(() => validate(both, { lineLength: '1.5', output: '' })).toThrow(/^-o: empty file name$/);
    expect(() => validate(both, { lineLength: '1.5', output: 'x' })).toThrow(/^-l: expected an integer, got '1.5'$/);
    expect(validate(both, { streaming: true, extra: 'ignored' })).toEqual({ output: undefined, lineLength: 80, streaming: true });
    const { values, positionals } = parseCommandArgs(['a.agc', '-l60', 'x', '-o', 'out'], {
      lineLength: { type: 'string', short: 'l' },
      output: { type: 'string', short: 'o' },
    });
    expect(values).toMatchObject({ lineLength: '60', output: 'out' });
    expect(positionals).toEqual(['a.agc', 'x']);
    expect(() => parseCommandArgs(['-q'], {})).toThrow(AgcInputError);
    expect(() => parseCommandArgs(['-o'], { output: { type: 'string', short: 'o' } })).toThrow(/^option -o needs a value$/);
    expect(sniffVerbosity(['x', '-v', '2'])).toBe(2);
    expect(sniffVerbosity(['-v2'])).toBe(2);
    expect(sniffVerbosity(['x'])).toBe(0);
  });
});

describe('BulkExtraction (batches described as they are about to start)', () => {
  const c = cases.find((x) => x.id === 'mers-tiny-default')!;

  it("reads a unit's contigs only when its batches come, and a unit that cannot be read fails there", async () => {
    using archive = AgcArchive.openSync(archivePath(c));
    const samples = archive.samplesSync();
    expect(samples.length).toBeGreaterThan(1);
    const asked: number[] = [];
    const units = {
      count: 3,
      contigs: (u: number) => {
        asked.push(u);
        if (u === 2) throw new AgcCorruptError('unit 2 cannot be read');
        return archive.sampleLayout(samples[u])!.contigs;
      },
    };
    const bulk = new BulkExtraction(archive, units, 60, 2);
    try {
      expect(asked).toEqual([]);
      const text = async (u: number) => {
        const parts: Buffer[] = [];
        for await (const r of bulk.records(u)) parts.push(Buffer.from(r.bytes));
        return Buffer.concat(parts).toString();
      };
      for (const u of [0, 1]) {
        const out = path.join(tmpDir(), 'out');
        expect(await cmd.getset(['-o', out, '-l', '60', archivePath(c), samples[u]])).toBe(0);
        expect(await text(u)).toBe(fs.readFileSync(out, 'utf8'));
      }
      await expect(text(2)).rejects.toThrow('unit 2 cannot be read');
      expect(asked).toEqual([0, 1, 2]);
    } finally {
      bulk.close();
    }
  });
});

describe('FastaSink (reused output buffers)', () => {
  // An output that takes its time: the bytes are read only when the write completes, so a
  // buffer refilled before its write finished would show up as corrupt output.
  class SlowOutput implements Output {
    readonly parts: Buffer[] = [];
    constructor(readonly synchronous: boolean) {}
    async write(chunk: Uint8Array | string): Promise<void> {
      this.parts.push(Buffer.from(chunk));
    }
    async writeReusable(chunk: Uint8Array): Promise<void> {
      await new Promise((r) => setTimeout(r, 2));
      this.parts.push(Buffer.from(chunk));
    }
    async commit(): Promise<void> {}
    abort(): void {}
  }

  it('writes the same bytes as formatting each record, for synchronous and asynchronous outputs', async () => {
    const sa = cases.find((c) => c.id === 'saureus-6-default')!;
    using ar = AgcArchive.openSync(archivePath(sa));
    const [s0, s1] = ar.samplesSync();
    const contigs = [...ar.sampleLayout(s0)!.contigs, ...ar.sampleLayout(s1)!.contigs];
    const want = Buffer.concat(contigs.map((c) => ar.formatRecord(c, c.name, 0, c.length, 61)));
    for (const synchronous of [false, true]) {
      const out = new SlowOutput(synchronous);
      const sink = new FastaSink(out, ar, 61);
      for (const c of contigs) await sink.record(c);
      await sink.finish();
      expect(out.parts.length).toBeGreaterThan(1);
      expect(sha256(Buffer.concat(out.parts))).toBe(sha256(want));
    }
    // ranges and other headers; retarget keeps going on a new output
    const c = contigs[0];
    const a = new SlowOutput(false);
    const sink = new FastaSink(a, ar, 80);
    await sink.record(c, 'h1', 10, 5000);
    const b = new SlowOutput(true);
    await sink.retarget(b);
    await sink.record(c, 'h2', 0, 0);
    await sink.finish();
    expect(Buffer.concat(a.parts).toString()).toBe(ar.formatRecord(c, 'h1', 10, 5000, 80).toString());
    expect(Buffer.concat(b.parts).toString()).toBe('>h2\n');
  });
});

// ------------------------------------------------------------------------------ real processes

// The package's bin entry (it sizes libuv's thread pool, then runs main.js).
const cli = path.join(repoRoot, 'dist', 'lib', 'cli', 'bin.cjs');

function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...fs
        .readdirSync(dir, { withFileTypes: true })
        .map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : e.name.endsWith('.ts') ? fs.statSync(path.join(dir, e.name)).mtimeMs : 0)),
    );
  const built = fs.existsSync(cli) ? fs.statSync(cli).mtimeMs : 0;
  if (built < newest(path.join(repoRoot, 'lib'))) {
    // tsc exits non-zero if any file of the project has a type error, but still emits.
    spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', repoRoot], { stdio: 'ignore' });
  }
  if (!fs.existsSync(cli)) throw new Error(`${cli} missing: run npx tsc -p .`);
}

/** `timeout` (ms): a run that hangs is killed and fails its test, instead of stopping the suite. */
function agc(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: opts.cwd, maxBuffer: 256 << 20, env: { ...process.env, ...opts.env }, timeout: opts.timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe('agc-node as a process', () => {
  beforeAll(ensureBuilt, 180_000);
  const tiny = cases.find((c) => c.id === 'mers-tiny-default')!;
  const sa = cases.find((c) => c.id === 'saureus-6-default')!;
  const kl = cases.find((c) => c.id === 'klebsiella-8-default')!;

  it("sizes libuv's thread pool for -t before any ES module loads, unless the user set it", () => {
    // A preload runs before bin.cjs and reports the variable at exit, as libuv read it at first use.
    const probe = path.join(os.tmpdir(), `agc-pool-probe-${process.pid}.cjs`);
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write('pool=' + process.env.UV_THREADPOOL_SIZE + '\\n'));\n");
    try {
      const env = { ...process.env };
      delete env.UV_THREADPOOL_SIZE;
      const run = (extra: Record<string, string>) =>
        spawnSync(process.execPath, ['--require', probe, cli, 'listset', archivePath(tiny)], { env: { ...env, ...extra } }).stderr.toString();
      expect(run({})).toContain(`pool=${Math.max(4, os.availableParallelism())}\n`);
      expect(run({ UV_THREADPOOL_SIZE: '3' })).toContain('pool=3\n');
      // ... and owns its process like main.js run directly: create exposes gc (its workers collect
      // garbage at phase boundaries; 30 MiB of klebsiella-8's peak)
      const gcProbe = `${probe}.gc.cjs`;
      fs.writeFileSync(gcProbe, "process.on('exit', () => process.stderr.write('gc=' + require('node:vm').runInNewContext('typeof gc') + '\\n'));\n");
      try {
        const out = path.join(os.tmpdir(), `agc-pool-probe-${process.pid}.agc`);
        const r = spawnSync(process.execPath, ['--require', gcProbe, cli, 'create', '-o', out, path.join(datasetDir(tiny.dataset), inputFiles(tiny)[0]!)], {
          env,
        });
        fs.rmSync(out, { force: true });
        expect(r.stderr.toString()).toContain('gc=function\n');
      } finally {
        fs.rmSync(gcProbe, { force: true });
      }
    } finally {
      fs.rmSync(probe, { force: true });
    }
  });

  it('loads neither node:perf_hooks nor node:zlib for a plain getcol (start-up cost of every run)', () => {
    const probe = path.join(os.tmpdir(), `agc-modules-probe-${process.pid}.cjs`);
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write('modules=' + process.moduleLoadList.join(',') + '\\n'));\n");
    try {
      const r = spawnSync(process.execPath, ['--require', probe, cli, 'getcol', '-t', '2', archivePath(tiny)], { maxBuffer: 256 << 20 });
      expect(r.status).toBe(0);
      const loaded = /modules=(.*)\n/.exec(r.stderr.toString())?.[1].split(',') ?? [];
      // (the probe itself would show up as loaded modules only through what it requires: nothing)
      expect(loaded).toContain('NativeModule fs');
      expect(loaded).not.toContain('NativeModule perf_hooks');
      expect(loaded).not.toContain('NativeModule zlib');
    } finally {
      fs.rmSync(probe, { force: true });
    }
  });

  it('writes getcol to stdout byte-identical to upstream', () => {
    const r = agc(['getcol', archivePath(tiny)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.equals(fs.readFileSync(path.join(caseDir(tiny), 'getcol.fa')))).toBe(true);
  });

  it('getcol -t 2/-t 3 (native decoding threads) to stdout and to a folder, plain and gzipped', () => {
    const r = agc(['getcol', '-t', '2', '-l', '80', archivePath(kl)]);
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(goldenSha(path.join(caseDir(kl), 'getcol.sha256')));
    const gz = agc(['getcol', '-t', '2', '-g', '2', archivePath(sa)]);
    expect(gz.code).toBe(0);
    expect(sha256(zlib.gunzipSync(gz.stdout))).toBe(goldenSha(path.join(caseDir(sa), 'getcol.sha256')));
    const dir = tmpDir();
    const r2 = agc(['getcol', '-t', '3', '-r', '-v', '1', '-o', dir, archivePath(sa)]);
    expect(r2.code).toBe(0);
    const names = listsetOf(sa);
    using ar = AgcArchive.openSync(archivePath(sa));
    const order = ar.samplesSync();
    expect(fs.readdirSync(dir).sort()).toEqual(
      order
        .slice(1)
        .map((s) => `${s}.fa`)
        .sort(),
    );
    for (const s of order.slice(1))
      expect(sha256(fs.readFileSync(path.join(dir, `${s}.fa`)))).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
    expect(names.length).toBe(order.length);
    // progress lines in archive order, one per sample
    expect(
      r2.stderr
        .split('\n')
        .filter((l) => l.includes(' of '))
        .map((l) => path.basename(l.split('  (')[0], '.fa')),
    ).toEqual(order.slice(1));
  });

  it('getcol -o DIR: an unwritable sample file stops the run with one line; the samples before it are complete', () => {
    const dir = tmpDir();
    using ar = AgcArchive.openSync(archivePath(sa));
    const order = ar.samplesSync();
    fs.mkdirSync(path.join(dir, `${order[2]}.fa`));
    const r = agc(['getcol', '-t', '2', '-o', dir, archivePath(sa)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is a directory/);
    expect(fs.readdirSync(dir).sort()).toEqual(
      order
        .slice(0, 3)
        .map((s) => `${s}.fa`)
        .sort(),
    );
    for (const s of order.slice(0, 2))
      expect(sha256(fs.readFileSync(path.join(dir, `${s}.fa`)))).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
  });

  it('stdout that another part of the process made non-blocking still gets every byte', () => {
    // process.stdout on a pipe makes fd 1 non-blocking; direct writes then meet EAGAIN whenever
    // the reader lags, and the rest of the output must go through the stream instead.
    const script = `process.stdout.write(''); const { main } = await import(${JSON.stringify(pathToFileURL(path.join(path.dirname(cli), 'main.js')).href)}); process.exitCode = await main(process.argv.slice(1));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, 'getcol', '-t', '1', archivePath(sa)], { maxBuffer: 256 << 20 });
    expect(r.status).toBe(0);
    expect(sha256(r.stdout)).toBe(goldenSha(path.join(caseDir(sa), 'getcol.sha256')));
  });

  it('getset -s (streaming) equals the non-streaming golden output; -g output decompresses to it', () => {
    const s = listsetOf(sa)[0];
    const want = goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`));
    const r = agc(['getset', '-s', archivePath(sa), s]);
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(want);
    const g = agc(['getset', '-g', '6', archivePath(sa), s]);
    expect(g.code).toBe(0);
    expect(g.stdout[0]).toBe(0x1f);
    expect(sha256(zlib.gunzipSync(g.stdout))).toBe(want);
    const dir = tmpDir();
    const gc = agc(['getcol', '-g', '1', '-t', '1', '-o', dir, archivePath(tiny)]);
    expect(gc.code).toBe(0);
    for (const f of fs.readdirSync(dir)) {
      expect(f.endsWith('.fa.gz')).toBe(true);
      const sample = f.slice(0, -6);
      expect(sha256(zlib.gunzipSync(fs.readFileSync(path.join(dir, f))))).toBe(goldenSha(path.join(caseDir(tiny), 'getset', `${sample}.fa.sha256`)));
    }
  });

  it('getset of a sample whose chromosome is decoded in pieces: every -t, -l 40 and a large -l, -g and -s agree', () => {
    const s = 'MGH78578';
    using ar = AgcArchive.openSync(archivePath(kl));
    const chromosome = ar.sampleLayout(s)!.contigs[0];
    // the pieces of the 5.3 Mbp chromosome start mid-line at -l 40 (so the threads continue each other's lines)
    const starts = contigPieces(chromosome, 1 << 19).map((p) => chromosome.starts[p.seg0]); // (the batch size of bulk-extract.ts)
    expect(starts.length).toBeGreaterThan(3);
    expect(starts.filter((x) => x % 40 !== 0).length).toBeGreaterThan(1);
    for (const l of ['40', '3000000']) {
      // the streaming path decodes in JS, piece by piece: an independent reference
      const want = agc(['getset', '-s', '-l', l, archivePath(kl), s]);
      expect(want.code).toBe(0);
      expect(want.stdout.length).toBeGreaterThan(5_000_000);
      for (const t of [[], ['-t', '1'], ['-t', '2'], ['-t', '3']]) {
        const r = agc(['getset', ...t, '-l', l, archivePath(kl), s]);
        expect(r.code).toBe(0);
        expect(r.stdout.equals(want.stdout), `-l ${l} ${t.join(' ')}`).toBe(true);
      }
    }
    const want = goldenSha(path.join(caseDir(kl), 'getset', `${s}.fa.sha256`));
    for (const t of ['1', '2']) {
      const g = agc(['getset', '-t', t, '-g', '3', archivePath(kl), s]);
      expect(g.code).toBe(0);
      expect(sha256(zlib.gunzipSync(g.stdout))).toBe(want);
    }
  });

  it('getctg -s gives the requested range across segments (upstream gives too much) with the raw header', () => {
    const q = 'gi|29165615|ref|NC_002745.2|@N315:2000000-2100000';
    const normal = fs.readFileSync(path.join(caseDir(sa), 'getctg', 'q1.fa')).toString();
    const r = agc(['getctg', '-s', archivePath(sa), q]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(normal); // header ':2000000-2100000' is the same here
    const rev = agc(['getctg', '-s', archivePath(tiny), 'gi|409052551|gb|JX869059.2|:20-10']);
    expect(rev.code).toBe(0);
    expect(rev.stdout.toString().split('\n')[0]).toMatch(/:20-10$/);
    expect(rev.stderr).toMatch(/prior to start of range/);
    const empty = agc(['getctg', '-s', archivePath(tiny), 'gi|409052551|gb|JX869059.2|:99999999-99999999']);
    expect(empty.stdout.toString()).toMatch(/:99999999-99999999\n\n$/);
    const emptyNormal = agc(['getctg', archivePath(tiny), 'gi|409052551|gb|JX869059.2|:99999999-99999999']);
    expect(emptyNormal.stdout.toString()).toMatch(/:99999999-99999999\n$/);
  });

  it('info prints to stdout; -v 1 adds the file type info', () => {
    const r = agc(['info', archivePath(tiny)]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(readText(tiny, 'info.txt'));
    const v = agc(['info', '-v', '1', archivePath(tiny)]);
    expect(v.stdout.toString()).toContain('File type info:\n  comment : AGC (Assembled Genomes Compressor) v. 3.2.2');
    expect(v.stdout.toString()).toContain('  file_version_major : 3\n');
  });

  it('prints --help for every command and the command list', () => {
    for (const c of ['getcol', 'getset', 'getctg', 'listset', 'listctg', 'listref', 'info']) {
      const r = agc([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout.toString()).toContain(`Usage: agc-node ${c}`);
    }
    expect(agc(['info', '--help']).stdout.toString()).toContain('standard output');
    const top = agc(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout.toString()).toContain('getctg');
    const none = agc(['getcol']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Usage: agc-node getcol');
    expect(agc(['frobnicate']).code).toBe(1);
  });

  describe('bad input: one line on stderr, exit code 1, no output file', () => {
    const oneLine = (r: { code: number | null; stderr: string }, re: RegExp) => {
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };

    it('unknown sample, unknown contig, malformed range, ambiguous name', () => {
      const dir = tmpDir();
      const out = path.join(dir, 'o.fa');
      oneLine(agc(['getset', '-o', out, archivePath(tiny), 'EMC_2012', 'nope']), /There is no sample nope/);
      oneLine(agc(['getctg', '-o', out, archivePath(tiny), 'nope']), /There is no contig: nope/);
      oneLine(agc(['getctg', '-o', out, archivePath(tiny), 'gi|409052551|gb|JX869059.2|@Qatar3']), /There is no sample:contig pair: Qatar3/);
      oneLine(agc(['getctg', '-o', out, archivePath(tiny), 'gi|409052551|gb|JX869059.2|:1-x']), /malformed range/);
      oneLine(agc(['listctg', archivePath(tiny), 'nope']), /There is no sample nope/);
      oneLine(agc(['getset', '-l', 'abc', archivePath(tiny), 'EMC_2012']), /-l: expected an integer/);
      oneLine(agc(['getset', '--bogus', archivePath(tiny), 'EMC_2012']), /Unknown option '--bogus'/);
      expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('missing or corrupt archive', () => {
      const dir = tmpDir();
      oneLine(agc(['listset', path.join(dir, 'missing.agc')]), /missing\.agc/);
      const bad = path.join(dir, 'bad.agc');
      fs.writeFileSync(bad, Buffer.alloc(3000, 7));
      oneLine(agc(['getcol', bad]), /bad\.agc/);
      const good = fs.readFileSync(archivePath(tiny));
      const trunc = path.join(dir, 'trunc.agc');
      fs.writeFileSync(trunc, good.subarray(0, 9000));
      oneLine(agc(['getcol', '-o', dir, trunc]), /trunc\.agc/);
      expect(fs.readdirSync(dir).sort()).toEqual(['bad.agc', 'trunc.agc']);
    });

    it('corrupt sequence data (in the main thread and in workers)', () => {
      const dir = tmpDir();
      const bad = path.join(dir, 'corrupt.agc');
      // garble the zstd frame of the first delta pack of group 16 and of group 17's reference
      writeGarbledParts(archivePath(sa), bad, (name, part) => (name === 'xGd' || name === 'xHr') && part === 0);
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      oneLine(agc(['getcol', '-t', '1', '-o', out, bad]), /corrupt/);
      oneLine(agc(['getcol', '-t', '2', bad]), /corrupt/);
      oneLine(agc(['getcol', '-t', '3', '-g', '1', bad]), /corrupt/);
      oneLine(agc(['getset', '-o', path.join(dir, 'x.fa'), bad, 'N315']), /corrupt/);
      expect(fs.readdirSync(out)).toEqual([]);
      expect(fs.readdirSync(dir).sort()).toEqual(['corrupt.agc', 'out']);
    });

    it('a plain `getset <archive> <sample>` (decoded ahead from bin.cjs) fails as the same command with a flag does', () => {
      const dir = tmpDir();
      const bad = path.join(dir, 'bad.agc');
      fs.writeFileSync(bad, Buffer.alloc(3000, 7));
      const trunc = path.join(dir, 'trunc.agc');
      fs.writeFileSync(trunc, fs.readFileSync(archivePath(sa)).subarray(0, 9000));
      const garbled = path.join(dir, 'garbled.agc');
      // part 0 of every reference and pack stream: the warm start's first part fails, silently
      writeGarbledParts(archivePath(sa), garbled, (name, part) => isGroupStream(name) && part === 0);
      const fifo = path.join(dir, 'pipe.fifo');
      if (process.platform !== 'win32') expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      // format 2 by its file_type_info alone (the rest reads as format 3): bin.cjs must not write it
      const v2 = path.join(dir, 'v2.agc');
      const v2bytes = Buffer.from(fs.readFileSync(archivePath(sa)));
      const major = v2bytes.indexOf('file_version_major\x003\x00', 0, 'latin1');
      expect(major).toBeGreaterThan(0);
      v2bytes[major + 'file_version_major\x00'.length] = 0x32;
      fs.writeFileSync(v2, v2bytes);
      for (const [archive, sample, re] of [
        [v2, 'N315', /v2\.agc: archive version 2\.\d+ \(agc 1\.x\/2\.x\) is not supported/],
        [archivePath(sa), 'nope', /There is no sample nope/],
        [path.join(dir, 'missing.agc'), 'N315', /missing\.agc: cannot open file/],
        [bad, 'N315', /bad\.agc/],
        [trunc, 'N315', /trunc\.agc/],
        [garbled, 'N315', /garbled\.agc: corrupted archive/],
        [dir, 'N315', new RegExp(dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))],
        // (a FIFO without a writer: the warm start must not wait on it for ever)
        ...(process.platform === 'win32' ? [] : [[fifo, 'N315', /pipe\.fifo: the archive is a FIFO/] as const]),
      ] as const) {
        const plain = agc(['getset', archive, sample], { timeout: 30_000 });
        oneLine(plain, re);
        const flagged = agc(['getset', '-l', '80', archive, sample]);
        expect(plain.stderr).toBe(flagged.stderr);
        expect(plain.stdout.length).toBe(0);
      }
      // and what it writes is the golden getset
      for (const c of [sa, kl, tiny])
        for (const s of listsetOf(c)) {
          const r = agc(['getset', archivePath(c), s]);
          expect(r.code).toBe(0);
          expect(r.stderr).toBe('');
          expect(sha256(r.stdout), s).toBe(goldenSha(path.join(caseDir(c), 'getset', `${s}.fa.sha256`)));
        }
      expect(fs.readdirSync(dir).sort()).toEqual(['bad.agc', 'garbled.agc', ...(process.platform === 'win32' ? [] : ['pipe.fifo']), 'trunc.agc', 'v2.agc']);
    });

    it.skipIf(process.platform === 'win32')(
      'a plain `getset <archive> <sample>` (written whole by bin.cjs) ends as the flagged command on a closed pipe, a full device, a file',
      () => {
        const dir = tmpDir();
        const a = archivePath(kl);
        const run = (flags: string, redirect: string) => {
          const r = spawnSync('bash', ['-c', `"$0" "$1" getset ${flags} "$2" MGH78578 ${redirect}; echo "\${PIPESTATUS[0]}" >&2`, process.execPath, cli, a], {
            maxBuffer: 64 << 20,
          });
          return { stdout: r.stdout, stderr: r.stderr.toString() };
        };
        const full = run('', '> /dev/full');
        expect(full).toEqual(run('-l 80', '> /dev/full'));
        expect(full.stderr).toBe('agc-node getset: cannot write to standard output: no space left on device\n1\n');
        const file = path.join(dir, 'out.fa');
        expect(run('', `> "${file}"`).stderr).toBe('0\n');
        expect(sha256(fs.readFileSync(file))).toBe(goldenSha(path.join(caseDir(kl), 'getset', 'MGH78578.fa.sha256')));
        // a pool of one thread: the second job never starts, and the first does not wait for it
        const one = agc(['getset', a, 'MGH78578'], { env: { UV_THREADPOOL_SIZE: '1' }, timeout: 30_000 });
        expect(one.code).toBe(0);
        expect(one.stdout.equals(fs.readFileSync(file))).toBe(true);
        const head = run('', '| head -c 100');
        expect(head).toEqual(run('-l 80', '| head -c 100'));
        expect(head.stderr).toBe('0\n');
        expect(head.stdout.equals(fs.readFileSync(file).subarray(0, 100))).toBe(true);
      },
    );

    it('a plain `getset <archive> <sample>` writes a sample named in UTF-8, with odd bytes in its contig names, as the flagged command', () => {
      const dir = tmpDir();
      const revComp = (t: string) =>
        [...t]
          .reverse()
          .map((c) => ({ A: 'T', T: 'A', C: 'G', G: 'C' })[c] ?? c)
          .join('');
      const seq = 'ACGTTGCAAGGCTTACCGATCGGATCCATGCAAGTCCGTA'.repeat(300);
      fs.writeFileSync(
        path.join(dir, 'référence.fa'),
        Buffer.concat([
          Buffer.from(`>chr1 desc\n${seq}\n>e\n${seq.slice(7, 5000)}\n>odd\tname `),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(` end\n${seq.slice(3)}\n`),
        ]),
      );
      fs.writeFileSync(
        path.join(dir, 'sämple-ü.fa'),
        // (every IUPAC letter, forward and in a reverse-complemented stretch: the whole text is
        // made with the addon's own letter tables, the flagged command with lib/format's)
        Buffer.concat([
          Buffer.from('>x'),
          Buffer.from([0xc3, 0xa9, 0x80]),
          Buffer.from(`\n${seq.slice(11)}N${seq.slice(0, 9000)}RYSWKMBDHVU${revComp(`${seq.slice(100, 6100)}RYSWKMBDHVUN`)}\n`),
        ]),
      );
      const out = path.join(dir, 'u.agc');
      expect(agc(['create', '-s', '1000', '-o', out, 'référence.fa', 'sämple-ü.fa'], { cwd: dir }).code).toBe(0);
      for (const s of ['référence', 'sämple-ü']) {
        const plain = agc(['getset', out, s]);
        const flagged = agc(['getset', '-l', '80', out, s]);
        expect(plain.code).toBe(0);
        expect(plain.stdout.length).toBeGreaterThan(10_000);
        expect(plain.stdout.equals(flagged.stdout), s).toBe(true);
        expect(plain.stderr).toBe('');
      }
      const text = agc(['getset', out, 'sämple-ü']).stdout;
      expect(text.subarray(0, 6)).toEqual(Buffer.from([0x3e, 0x78, 0xc3, 0xa9, 0x80, 0x0a]));
      const bases = text.subarray(6).toString('latin1').replace(/\n/g, '');
      expect(bases).toContain(`${seq.slice(0, 9000)}RYSWKMBDHVUNUVHDBMKWSYR${revComp(seq.slice(100, 6100))}`);
    });

    it('unwritable output', () => {
      const dir = tmpDir();
      oneLine(agc(['getset', '-o', path.join(dir, 'no', 'such', 'dir', 'x.fa'), archivePath(tiny), 'EMC_2012']), /cannot write output .*x\.fa/);
      oneLine(agc(['getcol', '-o', path.join(dir, 'nodir'), archivePath(tiny)]), /existing directory/);
      oneLine(agc(['getset', '-o', dir, archivePath(tiny), 'EMC_2012']), /is a directory/);
      expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('keeps an existing output file when the command fails, and -v 2 adds a stack trace', () => {
      const dir = tmpDir();
      const out = path.join(dir, 'keep.fa');
      fs.writeFileSync(out, 'old');
      const r = agc(['getset', '-v', '2', '-o', out, archivePath(tiny), 'nope']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/There is no sample nope/);
      expect(r.stderr).toMatch(/\n\s+at /);
      expect(fs.readFileSync(out, 'utf8')).toBe('old');
      expect(fs.readdirSync(dir)).toEqual(['keep.fa']);
    });
  });
});
