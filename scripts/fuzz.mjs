#!/usr/bin/env node
// `npm run fuzz`: a seeded, bounded fuzzer of agc-node (uses the built dist/; run `npm run build:ts`
// first). Each case runs in a child process with a timeout and a memory probe:
//   archive cases: a valid archive, mutated or truncated, read through the CLI (listset, listctg,
//                  info, getset, getctg, getcol) or the API (open, list, read every contig);
//   fasta cases:   a FASTA file, mutated, given to create or append; an accepted input must read
//                  back (getset) as the records it holds.
// Every run is classified: clean (a one-line error, exit 1), identical (same output as the
// unmutated input), differs (other output from a mutated archive: expected, the format has no
// checksums), crash, hang, memory (> 1 GiB peak RSS), unreadable (create/append accepted the input
// but the archive does not read back) or wrong (it reads back, but not as the input's records).
// The exit code is 1 when any run is a crash, hang, memory, unreadable or wrong.
//
// Options: --seed N (default 1) --cases N (default 1000) --jobs N (default 2) --timeout MS (default
// 30000) --kind archive|fasta|all (default all) --keep DIR (keep failing inputs there) -v (one line
// per case).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'lib', 'cli', 'bin.cjs');
const apiEntry = path.join(root, 'dist', 'lib', 'index.js');
const MEMORY_LIMIT = 1 << 30;
const FAILING = new Set(['crash', 'hang', 'memory', 'unreadable', 'wrong']);

function parseOptions(argv) {
  const o = { seed: 1, cases: 1000, jobs: 2, timeout: 30_000, kind: 'all', keep: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seed') o.seed = Number(next());
    else if (a === '--cases') o.cases = Number(next());
    else if (a === '--jobs') o.jobs = Number(next());
    else if (a === '--timeout') o.timeout = Number(next());
    else if (a === '--kind') o.kind = next();
    else if (a === '--keep') o.keep = next();
    else if (a === '-v') o.verbose = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        fs
          .readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 18)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n') + '\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['seed', 'cases', 'jobs', 'timeout'])
    if (!Number.isSafeInteger(o[k]) || o[k] < (k === 'seed' ? 0 : 1)) throw new Error(`--${k}: expected a positive integer`);
  if (!['archive', 'fasta', 'all'].includes(o.kind)) throw new Error('--kind: archive, fasta or all');
  return o;
}

/** mulberry32: small, fast, seeded. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
  };
}

// ------------------------------------------------------------------------------------- inputs

function randomSeq(r, n) {
  const L = 'ACGT';
  let s = '';
  for (let i = 0; i < n; i++) s += L[r.int(4)];
  return s;
}

function mutateSeq(r, s, rate) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const x = r.next();
    if (x < rate) out.push('ACGT'[r.int(4)]);
    else if (x < rate * 1.2) continue;
    else if (x < rate * 1.4) out.push(s[i], 'ACGT'[r.int(4)]);
    else out.push(s[i]);
  }
  return out.join('');
}

function fasta(records) {
  return records.map(([name, seq]) => `>${name}\n${seq.replace(/(.{60})/g, '$1\n')}\n`).join('');
}

/** Reference and sample FASTA texts of a small synthetic pangenome. */
function makeGenomes(seed) {
  const r = rng(seed ^ 0x9e3779b9);
  const chr = [randomSeq(r, 24000), randomSeq(r, 9000), randomSeq(r, 1500)];
  const ref = fasta(chr.map((s, i) => [`chr${i + 1} reference`, s]));
  const samples = [1, 2, 3].map((k) => fasta(chr.map((s, i) => [`chr${i + 1} sample${k}`, mutateSeq(r, s, 0.01)])));
  return { ref, samples };
}

// ------------------------------------------------------------------------------------- running

// Preloaded into every child: reports the peak RSS on stderr when the process exits.
const PROBE = `data:text/javascript,${encodeURIComponent(
  "import fs from 'node:fs'; process.on('exit', () => { try { fs.writeSync(2, '\\n@@RSS ' + process.resourceUsage().maxRSS * 1024 + '\\n'); } catch {} });",
)}`;

function runChild(args, timeout, input) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', PROBE, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let outBytes = 0;
    child.stdout.on('data', (c) => {
      outBytes += c.length;
      if (outBytes < 256 << 20) out.push(c);
    });
    child.stderr.on('data', (c) => err.push(c));
    if (input !== undefined) child.stdin.end(input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(err).toString('utf8');
      let rss = 0;
      stderr = stderr.replace(/\n?@@RSS (\d+)\n/, (_, n) => {
        rss = Number(n);
        return '';
      });
      resolve({ code, signal, timedOut, stdout: Buffer.concat(out), stderr, rss });
    });
  });
}

/** crash / hang / memory for any child; undefined when it ended normally. */
function abnormal(res) {
  if (res.timedOut) return 'hang';
  if (res.rss > MEMORY_LIMIT) return 'memory';
  if (res.signal !== null || (res.code !== 0 && res.code !== 1)) return 'crash';
  if (res.code === 1) {
    const lines = res.stderr.split('\n').filter((l) => l.length > 0);
    // A clean error is one line from the tool; anything else (a stack trace, a native abort
    // message) is a crash.
    if (lines.length !== 1 || !/^agc-node( \w+)?: /.test(lines[0])) return 'crash';
  }
  return undefined;
}

// ------------------------------------------------------------------------------------- archive cases

function mutateBytes(r, src) {
  let b = Buffer.from(src);
  const ops = 1 + r.int(3);
  for (let k = 0; k < ops; k++) {
    const op = r.int(7);
    const at = r.int(Math.max(1, b.length));
    if (op === 0)
      b[at] ^= 1 << r.int(8); // bit flip
    else if (op === 1)
      b[at] = r.int(256); // random byte
    else if (op === 2)
      b = b.subarray(0, at); // truncation
    else if (op === 3)
      b.fill(r.pick([0, 0xff]), at, Math.min(b.length, at + 1 + r.int(64))); // zeroed or 0xff range
    else if (op === 4)
      b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + r.int(16) }, () => r.int(256))), b.subarray(at)]); // insertion
    else if (op === 5)
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(32)))]); // deletion
    else {
      // the footer region (last 64 bytes) is where the stream index lives
      const p = Math.max(0, b.length - 1 - r.int(64));
      b[p] = r.int(256);
    }
  }
  return b;
}

const API_SCRIPT = `
const { AgcArchive, isAgcError } = await import(process.argv[1]);
const file = process.argv[2];
try {
  const a = AgcArchive.openSync(file);
  const parts = [];
  for (const s of a.samplesSync()) {
    parts.push('S' + s);
    for (const c of a.contigsSync(s) ?? []) {
      parts.push('C' + c);
      const seq = await a.getSequence({ sample: s, contig: c });
      parts.push(String(seq?.length), seq?.slice(0, 64));
    }
  }
  for await (const chunk of a.streamCollection({})) parts.push(String(chunk.length));
  a.close();
  process.stdout.write(parts.join('\\n'));
} catch (e) {
  if (isAgcError(e)) { process.stderr.write('agc-node: ' + e.code + ' ' + String(e.message).split('\\n')[0] + '\\n'); process.exit(1); }
  process.stderr.write('NOT AN AgcError: ' + (e && e.stack || e) + '\\n');
  process.exit(3);
}
`;

async function archiveCase(r, ctx, dir, timeout) {
  const bytes = mutateBytes(r, ctx.archive);
  const file = path.join(dir, 'm.agc');
  fs.writeFileSync(file, bytes);
  const use = r.int(8);
  let args;
  let label;
  if (use === 7) {
    args = ['--input-type=module', '-e', API_SCRIPT, apiEntry, file];
    label = 'api';
  } else {
    const cmd = ['listset', 'listctg', 'info', 'getset', 'getctg', 'getcol', 'getset'][use];
    const extra =
      cmd === 'listctg' || cmd === 'getset'
        ? [r.pick(ctx.samples)]
        : cmd === 'getctg'
          ? [`chr${1 + r.int(3)}@${r.pick(ctx.samples)}:${r.int(100)}-${100 + r.int(5000)}`]
          : [];
    args = [cli, cmd, file, ...extra];
    label = `cli ${cmd}`;
  }
  const res = await runChild(args, timeout);
  const bad = abnormal(res);
  if (bad) return { cls: bad, label, detail: res.stderr.slice(0, 400), input: bytes };
  if (res.code === 1) return { cls: 'clean', label };
  const key = args.slice(2).join('\0').replace(file, '@');
  let expected = ctx.baseline.get(key);
  if (expected === undefined) {
    const base = await runChild(
      args.map((a) => (a === file ? ctx.archivePath : a)),
      timeout,
    );
    expected = base.code === 0 ? base.stdout : Buffer.alloc(0);
    ctx.baseline.set(key, expected);
  }
  return { cls: res.stdout.equals(expected) ? 'identical' : 'differs', label };
}

// ------------------------------------------------------------------------------------- FASTA cases

function mutateFasta(r, text) {
  let b = Buffer.from(text, 'latin1');
  const ops = 1 + r.int(3);
  const weird = [0x3e, 0x0a, 0x0d, 0x00, 0x20, 0x2d, 0x2a, 0x4e, 0x6e, 0x61, 0x58, 0x40, 0x5f, 0xe9, 0xff, 0x52, 0x59, 0x09];
  for (let k = 0; k < ops; k++) {
    const op = r.int(8);
    const at = r.int(Math.max(1, b.length));
    if (op === 0) b[at] = r.pick(weird);
    else if (op === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([r.pick(weird)]), b.subarray(at)]);
    else if (op === 2) b = b.subarray(0, at);
    else if (op === 3) b = Buffer.concat([b.subarray(0, at), Buffer.from('\n>dup\n'), b.subarray(at)]);
    else if (op === 4) b = Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    else if (op === 5) b = Buffer.from(b.toString('latin1').toLowerCase(), 'latin1');
    else if (op === 6) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(200)))]);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from('NNNNNNNNNNRYKM'), b.subarray(at)]);
  }
  return b;
}

/** The records an accepted FASTA file holds (compression.md 1.2-1.3): header bytes, letters. */
function fastaModel(b) {
  const recs = [];
  let p = 0;
  while (p < b.length) {
    let e = p;
    while (e < b.length && b[e] !== 10 && b[e] !== 13) e++;
    const name = b.subarray(p + 1, e);
    let q = e + 1;
    const bodyEnd = b.indexOf(0x3e, q) < 0 ? b.length : b.indexOf(0x3e, q);
    const seq = [];
    for (let i = q; i < bodyEnd; i++) if (b[i] >= 64) seq.push(b[i] >= 97 && b[i] <= 122 ? b[i] - 32 : b[i]);
    recs.push({ name, seq: Buffer.from(seq) });
    p = bodyEnd;
  }
  return recs;
}

/** Records of the read-back script's output ("name\nsequence\n" each). */
function parseOutput(b) {
  const recs = [];
  let p = 0;
  while (p < b.length) {
    const e = b.indexOf(10, p);
    const name = b.subarray(p, e);
    const e2 = b.indexOf(10, e + 1);
    const seq = e2 === e + 1 ? Buffer.alloc(0) : b.subarray(e + 1, e2 < 0 ? b.length : e2);
    recs.push({ name, seq });
    p = e2 < 0 ? b.length : e2 + 1;
  }
  return recs;
}

// Reads every contig of every sample; prints the records of one sample as "name\nsequence\n".
const READBACK_SCRIPT = `
const { AgcArchive } = await import(process.argv[1]);
const a = AgcArchive.openSync(process.argv[2]);
const out = [];
for (const s of a.samplesSync()) {
  const layout = a.sampleLayout(s);
  for (const c of layout.contigs) {
    const seq = a.readContig(c, 0, c.length, false);
    if (s === process.argv[3]) out.push(a.headerBytes(c), Buffer.from('\\n'), seq, Buffer.from('\\n'));
  }
}
a.close();
process.stdout.write(Buffer.concat(out));
`;

async function fastaCase(r, ctx, dir, timeout) {
  const input = mutateFasta(r, r.pick(ctx.genomes.samples));
  const fa = path.join(dir, 'mut.fa');
  fs.writeFileSync(fa, input);
  const out = path.join(dir, 'out.agc');
  const append = r.int(2) === 1;
  const threads = String(1 + r.int(2));
  const args = append ? [cli, 'append', '-t', threads, '-o', out, ctx.archivePath, fa] : [cli, 'create', '-t', threads, '-o', out, ctx.refPath, fa];
  const label = append ? 'append' : 'create';
  const res = await runChild(args, timeout);
  const bad = abnormal(res);
  if (bad) return { cls: bad, label, detail: res.stderr.slice(0, 400), input };
  if (res.code === 1) {
    if (fs.existsSync(out)) return { cls: 'crash', label, detail: 'failed but left an output file', input };
    return { cls: 'clean', label };
  }
  // Accepted: the whole archive must read back, and the new sample must be the input's records.
  const got = await runChild(['--input-type=module', '-e', READBACK_SCRIPT, apiEntry, out, 'mut'], timeout);
  if (abnormal(got) || got.code !== 0) return { cls: 'unreadable', label, detail: got.stderr.slice(0, 400), input };
  const want = fastaModel(input);
  const have = parseOutput(got.stdout);
  const same = want.length === have.length && want.every((w, i) => w.name.equals(have[i].name) && w.seq.equals(have[i].seq));
  if (same) return { cls: 'identical', label };
  const i = want.findIndex((w, k) => !have[k] || !w.name.equals(have[k].name) || !w.seq.equals(have[k].seq));
  const w = want[i];
  const h = have[i];
  const detail = `${want.length} records in, ${have.length} out; record ${i + 1}: name ${JSON.stringify(w?.name.toString('latin1'))} / ${JSON.stringify(h?.name.toString('latin1'))}, length ${w?.seq.length} / ${h?.seq.length}`;
  return { cls: 'wrong', label, detail, input };
}

// ------------------------------------------------------------------------------------- main

async function main() {
  const o = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:ts first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-fuzz-'));
  const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
  process.on('exit', cleanup);
  const genomes = makeGenomes(o.seed);
  const refPath = path.join(work, 'ref.fa');
  fs.writeFileSync(refPath, genomes.ref);
  const sampleFiles = genomes.samples.slice(0, 2).map((t, i) => {
    const p = path.join(work, `s${i + 1}.fa`);
    fs.writeFileSync(p, t);
    return p;
  });
  const archivePath = path.join(work, 'base.agc');
  const made = spawnSync(process.execPath, [cli, 'create', '-t', '1', '-o', archivePath, refPath, ...sampleFiles], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`cannot create the seed archive: ${made.stderr}`);
  const ctx = { genomes, refPath, archivePath, archive: fs.readFileSync(archivePath), samples: ['ref', 's1', 's2'], baseline: new Map() };

  const counts = new Map();
  const failures = [];
  const started = Date.now();
  let nextCase = 0;
  async function worker(w) {
    for (;;) {
      const i = nextCase++;
      if (i >= o.cases) return;
      const r = rng((o.seed * 1_000_003 + i) >>> 0);
      const kind = o.kind === 'all' ? (r.int(2) === 0 ? 'archive' : 'fasta') : o.kind;
      const dir = path.join(work, `w${w}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      const res = kind === 'archive' ? await archiveCase(r, ctx, dir, o.timeout) : await fastaCase(r, ctx, dir, o.timeout);
      const key = `${kind} ${res.cls}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (o.verbose) process.stderr.write(`case ${i}: ${kind} ${res.label}: ${res.cls}\n`);
      if (FAILING.has(res.cls)) {
        failures.push({ i, kind, ...res });
        process.stderr.write(`FAIL case ${i} (${kind}, ${res.label}): ${res.cls}: ${String(res.detail ?? '').split('\n')[0]}\n`);
        if (o.keep) {
          fs.mkdirSync(o.keep, { recursive: true });
          fs.writeFileSync(path.join(o.keep, `case-${o.seed}-${i}.${kind === 'archive' ? 'agc' : 'fa'}`), res.input);
        }
      }
    }
  }
  await Promise.all(Array.from({ length: o.jobs }, (_, w) => worker(w)));
  const secs = (Date.now() - started) / 1000;
  const lines = [...counts.entries()].sort().map(([k, v]) => `  ${k.padEnd(22)} ${v}`);
  process.stdout.write(`agc-node fuzz: seed ${o.seed}, ${o.cases} cases, ${secs.toFixed(0)} s\n${lines.join('\n')}\n`);
  process.stdout.write(
    failures.length ? `${failures.length} failing case(s): ${failures.map((f) => f.i).join(', ')}\n` : 'no crash, hang, memory blow-up or unreadable archive\n',
  );
  return failures.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`agc-node fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
