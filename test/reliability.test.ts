// Regression tests of issue 7: never lose data, never hang, clear one-line errors. CLI cases run
// the built CLI (dist/) in a child process, so that exits, signals and hangs are real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import './helpers/compress-env.js';
import { appendArchive, clampThreads, createArchive, maxThreads } from '../lib/write/api.js';
import { AgcArchive, allocChecked } from '../lib/read/agc-archive.js';
import { AgcError } from '../lib/errors.js';
import { CppArchive } from '../lib/native/cpp-archive.js';
import { datasetDir } from './shared-data.js';
import { sha256File, tempDir } from './helpers/compress-run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repoRoot, 'dist', 'lib', 'cli', 'bin.cjs');
const dir = tempDir('reliability');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const data = datasetDir('mers-tiny');
const ref = path.join(data, 'EMC_2012.fa');
const other = path.join(data, 'Qatar3.fa');
const linux = process.platform === 'linux';

beforeAll(() => {
  // The CLI cases need dist/ to match the sources.
  spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', repoRoot], { stdio: 'ignore' });
}, 120_000);

function run(
  args: string[],
  opts: { timeout?: number; cwd?: string; env?: Record<string, string> } = {},
): { code: number | null; out: Buffer; err: string; signal: string | null } {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: opts.cwd ?? dir,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr.toString(), signal: r.signal };
}

/** stderr must be exactly one line starting with the command. */
function oneLine(err: string, command: string): string {
  const lines = err.split('\n').filter((l) => l.length > 0);
  expect(lines, err).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^agc-node ${command}: `));
  return lines[0]!;
}

let n = 0;
function fresh(): string {
  const d = path.join(dir, `c${n++}`);
  fs.mkdirSync(d);
  return d;
}
function write(d: string, name: string, content: string | Uint8Array): string {
  const p = path.join(d, name);
  fs.writeFileSync(p, content);
  return p;
}

let base = '';
beforeAll(async () => {
  base = path.join(dir, 'base.agc');
  await createArchive({ output: base, reference: ref, samples: [other], threads: 1 });
}, 120_000);

// ------------------------------------------------------------------------------------------- 1

describe('1: outputs that are not regular files', () => {
  it('getset -o SYMLINK writes the link target atomically and keeps the link', () => {
    const d = fresh();
    const target = write(d, 'target.fa', 'old');
    const link = path.join(d, 'link.fa');
    fs.symlinkSync('target.fa', link);
    const r = run(['getset', '-o', link, base, 'Qatar3']);
    expect(r.code, r.err).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toMatch(/^>/);
    expect(fs.readdirSync(d).sort()).toEqual(['link.fa', 'target.fa']);
  });

  it('create -o SYMLINK writes the link target; the result equals a plain -o', async () => {
    const d = fresh();
    const plain = path.join(d, 'plain.agc');
    await createArchive({ output: plain, reference: ref, samples: [other], threads: 1 });
    const target = write(d, 'real.agc', 'old');
    fs.symlinkSync('real.agc', path.join(d, 'a.agc'));
    const r = run(['create', '-t', '1', '-o', path.join(d, 'a.agc'), ref, other]);
    expect(r.code, r.err).toBe(0);
    expect(fs.lstatSync(path.join(d, 'a.agc')).isSymbolicLink()).toBe(true);
    expect(sha256File(target)).toBe(sha256File(plain));
  });

  it.skipIf(!linux)('-o /dev/null is written through, not replaced', () => {
    const before = fs.statSync('/dev/null');
    const r = run(['getset', '-o', '/dev/null', base, 'Qatar3']);
    expect(r.code, r.err).toBe(0);
    const after = fs.statSync('/dev/null');
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
  });

  it.skipIf(!linux)('getset -o FIFO and create -o FIFO write into the pipe', async () => {
    const d = fresh();
    const fifo = path.join(d, 'pipe');
    spawnSync('mkfifo', [fifo]);
    for (const args of [
      ['getset', '-o', fifo, base, 'Qatar3'],
      ['create', '-t', '1', '-o', fifo, ref, other],
    ]) {
      const child = spawn(process.execPath, [cli, ...args]);
      const chunks: Buffer[] = [];
      const reader = fs.createReadStream(fifo);
      reader.on('data', (c) => chunks.push(c as Buffer));
      const closed = new Promise<void>((resolve) => reader.on('close', () => resolve()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      await closed;
      expect(code).toBe(0);
      expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
      const got = Buffer.concat(chunks);
      if (args[0] === 'getset') expect(got.toString('latin1')).toMatch(/^>/);
      else expect(got.equals(fs.readFileSync(base))).toBe(true);
    }
  });
});

// ------------------------------------------------------------------------------------------- 2-4

describe('2-4: FASTA input that upstream stores wrongly', () => {
  const seq = fs.readFileSync(other, 'latin1').split('\n').slice(1).join('').slice(0, 3000);
  const withX = `>first one\n${seq}\n>second\n${seq.slice(0, 1000)}X${seq.slice(1001)}\n`;

  it('a non-IUPAC letter in a sample: error naming file, record and position; nothing written', () => {
    const d = fresh();
    const f = write(d, 'bad.fa', withX);
    const out = path.join(d, 'o.agc');
    const r = run(['create', '-t', '1', '-o', out, ref, f]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'create')).toMatch(/bad\.fa: record 2 \("second"\): 'X' at position 1001 is not a nucleotide/);
    expect(fs.readdirSync(d)).toEqual(['bad.fa']);
  });

  it('a non-IUPAC letter in the reference is an error too ("_" and "@")', () => {
    const d = fresh();
    for (const [ch, pos] of [
      ['_', 7],
      ['@', 3],
    ] as const) {
      const f = write(d, `ref${pos}.fa`, `>r\n${seq.slice(0, pos - 1)}${ch}${seq.slice(pos)}\n`);
      const r = run(['create', '-t', '1', '-o', path.join(d, 'o.agc'), f]);
      expect(r.code).toBe(1);
      expect(oneLine(r.err, 'create')).toMatch(new RegExp(`ref${pos}\\.fa: record 1 \\("r"\\): '${ch}' at position ${pos} `));
    }
  });

  it('--invalid-base N replaces them (reference and samples); the archive reads back', async () => {
    const d = fresh();
    const f = write(d, 'bad.fa', withX);
    const refX = write(d, 'refx.fa', `>r\n${seq.slice(0, 9)}j${seq.slice(10)}\n`);
    const out = path.join(d, 'o.agc');
    const r = run(['create', '-t', '1', '--invalid-base', 'N', '-o', out, refX, f]);
    expect(r.code, r.err).toBe(0);
    using a = AgcArchive.openSync(out);
    const got = await a.getSequence({ sample: 'bad', contig: 'second' });
    expect(got).toBe(`${seq.slice(0, 1000)}N${seq.slice(1001)}`.toUpperCase());
    expect(await a.getSequence({ sample: 'refx', contig: 'r' })).toBe(`${seq.slice(0, 9)}N${seq.slice(10)}`.toUpperCase());
    // through the API and append too
    const out2 = path.join(d, 'o2.agc');
    await appendArchive({ input: base, output: out2, samples: [f], invalidBase: 'n', threads: 1 });
    using b = AgcArchive.openSync(out2);
    expect(await b.getSequence({ sample: 'bad', contig: 'second' })).toBe(got);
    await expect(createArchive({ output: path.join(d, 'x.agc'), reference: ref, invalidBase: 'X' })).rejects.toThrow(/ACGTNRYSWKMBDHVU/);
  });

  it('two records with the same name: error naming file, name and both record numbers', async () => {
    const d = fresh();
    const f = write(d, 'dup.fa', `>a\n${seq}\n>b x\n${seq}\n>a\n${seq}\n`);
    const r = run(['create', '-t', '1', '-o', path.join(d, 'o.agc'), ref, f]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'create')).toMatch(/dup\.fa: records 1 and 3 have the same name "a"/);
    await expect(appendArchive({ input: base, output: path.join(d, 'o.agc'), samples: [f], threads: 1 })).rejects.toThrow(/records 1 and 3/);
    expect(fs.readdirSync(d)).toEqual(['dup.fa']);
  });

  it('a FASTA with no ">" line is an error', () => {
    const d = fresh();
    const f = write(d, 'plain.fa', `${seq}\n${seq}\n`);
    const r = run(['create', '-t', '1', '-o', path.join(d, 'o.agc'), ref, f]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'create')).toMatch(/plain\.fa: not a FASTA file: it does not start with a '>' header line/);
  });
});

// ------------------------------------------------------------------------------------------- 5

describe('5: getcol -o DIR with hostile sample names', () => {
  it('refuses a sample that is not a single path component, naming it; nothing is written', async () => {
    const d = fresh();
    const seq = fs.readFileSync(other, 'latin1').split('\n').slice(1).join('').slice(0, 2000);
    // -c: every record is a sample named after its header's first word
    const f = write(d, 'c.fa', `>ok\n${seq}\n>../escaped\n${seq}\n`);
    const out = path.join(d, 'o.agc');
    await createArchive({ output: out, reference: f, concatenated: true, threads: 1 });
    const target = path.join(d, 'target');
    fs.mkdirSync(target);
    const r = run(['getcol', '-o', target, out]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'getcol')).toMatch(/sample name "\.\.\/escaped" cannot be a file name in .*target \(not a single path component\)/);
    expect(fs.readdirSync(target)).toEqual([]);
    expect(fs.readdirSync(d).sort()).toEqual(['c.fa', 'o.agc', 'target']);
    // without -o the same archive extracts fine
    const all = run(['getcol', out]);
    expect(all.code, all.err).toBe(0);
    expect(all.out.toString('latin1')).toContain('>../escaped\n');
  });
});

// ------------------------------------------------------------------------------------------- 6

describe('6: names round-trip byte for byte (Latin-1 file names and headers)', () => {
  it('listings, headers, lookups and getcol file names keep the stored bytes', async () => {
    const d = fresh();
    const seq = fs.readFileSync(other, 'latin1').split('\n').slice(1).join('').slice(0, 2500);
    const latin = Buffer.from('caf\xe9.fa', 'latin1');
    fs.writeFileSync(path.join(d, 'ref.fa'), `>r\n${seq}\n`);
    fs.writeFileSync(
      Buffer.concat([Buffer.from(`${d}/`), latin]),
      Buffer.concat([Buffer.from('>ctg\xe9 x\n', 'latin1'), Buffer.from(`${seq.slice(0, 2000)}\n`)]),
    );
    fs.writeFileSync(path.join(d, 'utf8\u00fc.fa'), `>\u00fc one\n${seq.slice(0, 1500)}\n`);
    const out = path.join(d, 'a.agc');
    // the writer takes the Latin-1 file name in its one-char-per-byte form
    await createArchive({ output: out, reference: path.join(d, 'ref.fa'), samples: [path.join(d, 'caf\u00e9.fa'), path.join(d, 'utf8\u00fc.fa')], threads: 1 });
    using a = AgcArchive.openSync(out);
    expect(a.samplesSync()).toEqual(['ref', 'caf\u00e9', 'utf8\u00fc']);
    expect(a.nameBytes('caf\u00e9')).toEqual(Buffer.from('caf\xe9', 'latin1'));
    expect(a.nameBytes('utf8\u00fc')).toEqual(Buffer.from('utf8\u00fc', 'utf8'));
    expect(a.contigsSync('caf\u00e9')).toEqual(['ctg\u00e9 x']);
    expect(await a.getSequence({ sample: 'caf\u00e9', contig: 'ctg\u00e9' })).toBe(seq.slice(0, 2000).toUpperCase());

    const ls = run(['listset', out]);
    expect(ls.out).toEqual(Buffer.concat([Buffer.from('caf\xe9\nref\n', 'latin1'), Buffer.from('utf8\u00fc\n', 'utf8')]));
    const lc = run(['listctg', out, 'caf\u00e9']);
    expect(lc.out).toEqual(Buffer.from('caf\xe9\n   ctg\xe9 x\n', 'latin1'));
    const gs = run(['getset', out, 'caf\u00e9']);
    expect(gs.code, gs.err).toBe(0);
    expect(gs.out.subarray(0, 8)).toEqual(Buffer.from('>ctg\xe9 x\n', 'latin1'));
    const gc = run(['getctg', out, 'ctg\u00e9@caf\u00e9:0-9']);
    expect(gc.code, gc.err).toBe(0);
    expect(gc.out.toString('latin1').split('\n')[0]).toMatch(/^>ctg\xe9 x/);
    expect(gc.out.toString('latin1').split('\n')[1]).toBe(seq.slice(0, 10).toUpperCase());
    const dirOut = path.join(d, 'col');
    fs.mkdirSync(dirOut);
    const col = run(['getcol', '-o', dirOut, out]);
    expect(col.code, col.err).toBe(0);
    const files = (fs.readdirSync(dirOut, { encoding: 'buffer' }) as Buffer[]).map((b) => b.toString('latin1')).sort();
    expect(files).toEqual(['caf\xe9.fa', 'ref.fa', Buffer.from('utf8\u00fc.fa').toString('latin1')].sort());
    const inFile = fs.readFileSync(Buffer.concat([Buffer.from(`${dirOut}/`), latin]));
    expect(inFile.subarray(0, 8)).toEqual(Buffer.from('>ctg\xe9 x\n', 'latin1'));
    // the same with two decoding threads
    const dirPar = path.join(d, 'par');
    fs.mkdirSync(dirPar);
    const par = run(['getcol', '-t', '2', '-o', dirPar, out]);
    expect(par.code, par.err).toBe(0);
    expect(fs.readFileSync(Buffer.concat([Buffer.from(`${dirPar}/`), latin])).equals(inFile)).toBe(true);
    // -i with a Latin-1 name in the list file (append)
    const list = path.join(d, 'list.txt');
    fs.writeFileSync(list, Buffer.concat([Buffer.from(`${d}/`), latin, Buffer.from('\n')]));
    const ap = run(['append', '-i', list, '-o', path.join(d, 'b.agc'), base]);
    expect(ap.code, ap.err).toBe(0);
    expect(run(['listset', path.join(d, 'b.agc')]).out).toEqual(Buffer.from('EMC_2012\nQatar3\ncaf\xe9\n', 'latin1'));
  });
});

// ------------------------------------------------------------------------------------------- 10

describe.skipIf(!linux)('8, 10: SIGINT and SIGTERM act within a second, even inside one huge contig', () => {
  let big = '';
  beforeAll(() => {
    // 24 Mbp in one contig: segmenting it is one long synchronous step.
    big = path.join(dir, 'big.fa');
    const n = 24e6;
    const b = Buffer.allocUnsafe(n + Math.ceil(n / 80) + 8);
    let p = b.write('>big\n');
    let x = 12345;
    const L = [65, 67, 71, 84];
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      b[p++] = L[x >>> 30]!;
      if (i % 80 === 79) b[p++] = 10;
    }
    b[p++] = 10;
    fs.writeFileSync(big, b.subarray(0, p));
  }, 60_000);

  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${sig}: exit ${code}, temporary files removed, within a second`, { timeout: 240_000 }, async () => {
      const d = fresh();
      const child = spawn(process.execPath, [cli, 'create', '-t', '1', '-o', path.join(d, 'o.agc'), big], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (c) => (err += String(c)));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      // Wait until the archive is being written (its temporary file exists), then interrupt.
      for (let i = 0; i < 2400 && fs.readdirSync(d).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.readdirSync(d)[0]).toMatch(/^\.o\.agc\..*\.tmp$/);
      const t0 = Date.now();
      child.kill(sig);
      const c = await exited;
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(c).toBe(code);
      expect(err).toMatch(/interrupted/);
      expect(fs.readdirSync(d)).toEqual([]);
    });
  }
});

// ------------------------------------------------------------------------------------------- 7-9

/** Threads of this process (Linux). */
function liveThreads(): number {
  return fs.readdirSync('/proc/self/task').length;
}

describe('7-9: hangs', () => {
  it('append with a sample already in the archive exits with an error (CLI)', () => {
    const d = fresh();
    const r = run(['append', '-t', '2', '-o', path.join(d, 'o.agc'), base, other], { timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'append')).toMatch(/sample "Qatar3" is already in the archive/);
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it.skipIf(!linux)('append failures through the API leak no worker threads', async () => {
    const d = fresh();
    const before = liveThreads();
    for (let i = 0; i < 3; i++)
      await expect(appendArchive({ input: base, output: path.join(d, 'o.agc'), samples: [other], threads: 3 })).rejects.toThrow(/already in the archive/);
    // Terminated workers' threads are joined asynchronously.
    for (let i = 0; i < 50 && liveThreads() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(liveThreads()).toBeLessThanOrEqual(before);
  });

  it('-t is clamped to max(16, cores) in the API', () => {
    expect(clampThreads(1000)).toBe(maxThreads());
    expect(maxThreads()).toBe(Math.max(16, os.availableParallelism()));
    expect(clampThreads(3)).toBe(3);
  });

  it('create -t 1000 on the CLI is clamped and finishes', () => {
    const d = fresh();
    const r = run(['create', '-t', '1000', '-o', path.join(d, 'o.agc'), ref, other], { timeout: 60_000 });
    expect(r.code, r.err).toBe(0);
    expect(sha256File(path.join(d, 'o.agc'))).toBe(sha256File(base));
  });

  it.skipIf(!linux)('a FIFO as archive or FASTA input is rejected by type without blocking', () => {
    const d = fresh();
    const fifo = path.join(d, 'pipe');
    spawnSync('mkfifo', [fifo]);
    const r1 = run(['listset', fifo], { timeout: 20_000 });
    expect(r1.code).toBe(1);
    expect(oneLine(r1.err, 'listset')).toMatch(/pipe: the archive is a FIFO \(named pipe\), not a regular file/);
    const r2 = run(['append', '-o', path.join(d, 'o.agc'), fifo, other], { timeout: 20_000 });
    expect(r2.code).toBe(1);
    expect(oneLine(r2.err, 'append')).toMatch(/pipe: the input archive is a FIFO/);
    const r3 = run(['create', '-o', path.join(d, 'o.agc'), ref, fifo], { timeout: 20_000 });
    expect(r3.code).toBe(1);
    expect(oneLine(r3.err, 'create')).toMatch(/pipe: the input file is a FIFO/);
    expect(() => AgcArchive.openSync(fifo)).toThrow(/is a FIFO/);
  });
});

// ------------------------------------------------------------------------------------------- errors

describe('unclear errors made clear', () => {
  it('NUL byte in a header names the file', () => {
    const d = fresh();
    const f = write(d, 'nul.fa', Buffer.from('>a\0b\nACGTACGTACGT\n', 'latin1'));
    const r = run(['create', '-o', path.join(d, 'o.agc'), f]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'create')).toMatch(/nul\.fa: header of record 1 at line 1 contains a NUL byte/);
  });

  it('a UTF-8 BOM gets its own message', () => {
    const d = fresh();
    const f = write(d, 'bom.fa', Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('>a\nACGTACGTACGT\n')]));
    const r = run(['create', '-o', path.join(d, 'o.agc'), f]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'create')).toMatch(/bom\.fa: the file starts with a UTF-8 byte order mark/);
  });

  it('-t without a value', () => {
    for (const args of [
      ['create', '-t', '-o', 'x.agc', ref],
      ['getcol', base, '-t'],
    ]) {
      const r = run(args);
      expect(r.code).toBe(1);
      expect(oneLine(r.err, args[0]!)).toMatch(/option -t needs a value/);
    }
  });

  it('-v 9: one line, no stack trace', () => {
    const r = run(['create', '-v', '9', '-o', path.join(fresh(), 'x.agc'), ref]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err, 'create')).toMatch(/-v.*0\.\.2/);
  });

  it('a truncated archive: "truncated or not an AGC archive"', async () => {
    const d = fresh();
    const bytes = fs.readFileSync(base);
    for (const len of [20, 1000, bytes.length - 100, bytes.length - 1]) {
      const f = write(d, `t${len}.agc`, bytes.subarray(0, len));
      const r = run(['listset', f]);
      expect(r.code).toBe(1);
      expect(oneLine(r.err, 'listset')).toMatch(new RegExp(`t${len}\\.agc: truncated or not an AGC archive$`));
      const a = run(['append', '-o', path.join(d, 'o.agc'), f, other]);
      expect(oneLine(a.err, 'append')).toMatch(/truncated or not an AGC archive$/);
      expect(() => AgcArchive.openSync(f)).toThrow(/truncated or not an AGC archive/);
    }
  });

  it("open('x.agc\\0junk') does not open x.agc", async () => {
    expect(() => AgcArchive.openSync(`${base}\0junk`)).toThrow(/cannot contain a NUL character/);
    await expect(createArchive({ output: path.join(fresh(), 'o.agc\0x'), reference: ref })).rejects.toThrow(/NUL/);
    await expect(createArchive({ output: path.join(fresh(), 'o.agc'), reference: `${ref}\0x` })).rejects.toThrow(/NUL/);
  });

  it('chunkSymbols: NaN is an option error, not a corrupt archive', async () => {
    using a = AgcArchive.openSync(base);
    const it = a.streamSample('Qatar3', { chunkSymbols: Number.NaN });
    await expect(it.next()).rejects.toThrow(/chunkSymbols must be a non-negative integer, got NaN/);
  });

  it('a sequence too large for one buffer: an AgcError saying so, not a bare RangeError', () => {
    let err: unknown;
    try {
      allocChecked(2 ** 53 - 1, () => 'contig chr1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgcError);
    expect((err as Error).message).toMatch(
      /^contig chr1 needs 9,007,199,254,740,991 bytes, more than one buffer can hold here; read it in ranges or in streaming mode/,
    );
  });

  it('a corrupt collection or segment part is an AgcCorruptError through the API', async () => {
    const d = fresh();
    let detected = 0;
    for (const stream of ['collection-details', 'collection-contigs', 'x0000r']) {
      const bytes = Buffer.from(fs.readFileSync(base));
      const c = CppArchive.open(base);
      const sid = c.streamId(stream) ?? c.streamId(c.streamNames().find((n) => /^x.*r$/.test(n))!)!;
      const at = c.partOffset(sid, 0) + 3;
      c.close();
      for (let i = at; i < at + 12; i++) bytes[i] ^= 0x5a;
      const f = write(d, `${stream}.agc`, bytes);
      const err = await (async () => {
        using a = AgcArchive.openSync(f);
        for (const s of a.samplesSync()) for (const ctg of a.contigsSync(s) ?? []) await a.getSequence({ sample: s, contig: ctg });
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      // Either the damage is detected (as AGC_CORRUPT) or it hit bytes that do not matter.
      if (err !== undefined) {
        detected++;
        expect(err, (err as Error).message).toBeInstanceOf(AgcError);
        expect((err as AgcError).code).toBe('AGC_CORRUPT');
        expect((err as Error).message).toContain(f);
      }
    }
    expect(detected).toBeGreaterThan(0);
  });

  it('-o "" is an error, not stdout', () => {
    for (const args of [
      ['create', '-o', '', ref],
      ['getset', '-o', '', base, 'Qatar3'],
      ['listset', '-o', '', base],
    ]) {
      const r = run(args);
      expect(r.code).toBe(1);
      expect(r.out.length).toBe(0);
      expect(oneLine(r.err, args[0]!)).toMatch(/-o: empty file name/);
    }
  });

  it.skipIf(!linux || process.getuid?.() === 0)('an unwritable output folder names the output, not the temporary file', async () => {
    const d = fresh();
    fs.chmodSync(d, 0o500);
    try {
      const out = path.join(d, 'o.agc');
      const r = run(['create', '-o', out, ref]);
      expect(r.code).toBe(1);
      const line = oneLine(r.err, 'create');
      expect(line).toContain(out);
      expect(line).not.toMatch(/\.tmp/);
      const g = run(['getset', '-o', path.join(d, 'x.fa'), base, 'Qatar3']);
      expect(oneLine(g.err, 'getset')).not.toMatch(/\.tmp/);
      const e = await createArchive({ output: out, reference: ref }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AgcError);
      expect((e as Error).message).not.toMatch(/\.tmp/);
    } finally {
      fs.chmodSync(d, 0o700);
    }
  });

  it.skipIf(!linux)('a full disk or an unwritable place names the output (also as root)', () => {
    for (const args of [
      ['getset', '-o', '/dev/full', base, 'Qatar3'],
      ['create', '-t', '1', '-o', '/dev/full', ref],
    ]) {
      const r = run(args);
      expect(r.code).toBe(1);
      expect(oneLine(r.err, args[0]!)).toMatch(/cannot write output \/dev\/full: no space left on device$/);
    }
    const c = run(['create', '-o', '/proc/agc-x.agc', ref]);
    expect(c.code).toBe(1);
    const line = oneLine(c.err, 'create');
    expect(line).toContain('/proc/agc-x.agc');
    expect(line).not.toMatch(/\.tmp/);
    const g = run(['getset', '-o', '/proc/agc-x.fa', base, 'Qatar3']);
    expect(oneLine(g.err, 'getset')).toMatch(/^agc-node getset: cannot write output \/proc\/agc-x\.fa: no such file or directory$/);
  });

  it('the temp-file checks never leave files behind in the system temp folder', () => {
    const leftovers = fs.readdirSync(os.tmpdir()).filter((f) => /^\.pipe\..*\.tmp$/.test(f));
    expect(leftovers).toEqual([]);
  });
});
