// Synthetic pangenomes (SNPs, indels, inversions, N runs, IUPAC codes, lower case, split and
// splitter-less contigs) through create/append with small segments so that every grouping path
// runs: the archives read back exactly, and -t 1, 2 and 3 write the same bytes.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { appendArchive, createArchive, type CreateArchiveOptions } from '../lib/write/api.js';
import { expectRoundTrip, sha256File, tempDir } from './helpers/compress-run.js';
import { rng } from './shared-data.js';

const dir = tempDir('synthetic');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rand = rng(20240611);
const ACGT = 'ACGT';
const IUPAC = 'RYSWKMBDHVN';

function randomSeq(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ACGT[Math.floor(rand() * 4)];
  return s;
}

function revComp(s: string): string {
  const m: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
  return [...s]
    .reverse()
    .map((c) => m[c.toUpperCase()] ?? c)
    .join('');
}

/** A variant of `ref`: SNPs, small indels, an inverted block, an N run, IUPAC codes, lower case. */
function mutate(ref: string, rate: number): string {
  let out = '';
  for (let i = 0; i < ref.length; i++) {
    const r = rand();
    if (r < rate) out += ACGT[Math.floor(rand() * 4)];
    else if (r < rate * 1.2) out += randomSeq(1 + Math.floor(rand() * 5));
    else if (r < rate * 1.4) i += Math.floor(rand() * 5);
    else out += ref[i];
  }
  const a = Math.floor(rand() * (out.length - 3000));
  out = out.slice(0, a) + revComp(out.slice(a, a + 1500)) + out.slice(a + 1500);
  const b = Math.floor(rand() * (out.length - 100));
  out = out.slice(0, b) + 'N'.repeat(5 + Math.floor(rand() * 40)) + out.slice(b);
  for (let j = 0; j < 3; j++) {
    const c = Math.floor(rand() * out.length);
    out = out.slice(0, c) + IUPAC[Math.floor(rand() * IUPAC.length)] + out.slice(c + 1);
  }
  const d = Math.floor(rand() * (out.length - 500));
  out = out.slice(0, d) + out.slice(d, d + 400).toLowerCase() + out.slice(d + 400);
  return out;
}

function fasta(records: Array<[string, string]>, width = 60): string {
  return records.map(([h, s]) => `>${h}\n${s.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n')}\n`).join('');
}

// Reference: two chromosomes; samples: variants, one reverse-complemented whole, one split into
// pieces, one with an extra contig that shares nothing (raw groups).
const chr1 = randomSeq(24000);
const chr2 = randomSeq(9000);
const files: string[] = [];
function write(name: string, records: Array<[string, string]>): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, fasta(records, 50 + Math.floor(rand() * 30)));
  return p;
}
files.push(
  write('ref.fa', [
    ['chr1 reference one', chr1],
    ['chr2 reference two', chr2],
  ]),
);
files.push(
  write('s1.fa', [
    ['chr1 s1', mutate(chr1, 0.01)],
    ['chr2 s1', mutate(chr2, 0.01)],
  ]),
);
files.push(
  write('s2.fa', [
    ['chr1 s2 rc', revComp(mutate(chr1, 0.02))],
    ['chr2 s2', mutate(chr2, 0.02)],
  ]),
);
const s3 = mutate(chr1, 0.005);
files.push(
  write('s3.fa', [
    ['ctg1', s3.slice(0, 7000)],
    ['ctg2', s3.slice(7000, 15500)],
    ['ctg3', revComp(s3.slice(15500))],
    ['ctg4', mutate(chr2, 0.03)],
    ['tiny', 'ACGTNNNNACGT'],
  ]),
);
files.push(
  write('s4.fa', [
    ['chr1 s4', mutate(chr1, 0.05)],
    ['alien', randomSeq(3000)],
    ['alien2', randomSeq(700)],
  ]),
);
files.push(
  write('s5.fa', [
    ['chr1 s5', mutate(chr1, 0.01)],
    ['chr2 s5', mutate(chr2, 0.01)],
  ]),
);

const base: Omit<CreateArchiveOptions, 'output'> = {
  reference: files[0]!,
  samples: files.slice(1),
  kmerLength: 21,
  segmentSize: 800,
  minMatchLength: 18,
  batchSize: 3,
};

const variants: Array<[string, Partial<CreateArchiveOptions>]> = [
  ['small segments', {}],
  ['adaptive', { adaptive: true }],
  ['fallback minimizers', { fallbackFraction: 0.05 }],
  ['adaptive + fallback, batch 1', { adaptive: true, fallbackFraction: 0.02, batchSize: 1 }],
  ['k 32, l 32, s 100', { kmerLength: 32, minMatchLength: 32, segmentSize: 100 }],
  ['k 17, l 15, s 2000, short segments', { kmerLength: 17, minMatchLength: 15, segmentSize: 2000 }],
];

describe('synthetic collections', () => {
  for (const [name, opts] of variants) {
    it(`${name}: round trip, identical for -t 1, 2 and 3`, async () => {
      const o1 = path.join(dir, `${name}.t1.agc`);
      const o2 = path.join(dir, `${name}.t2.agc`);
      const o3 = path.join(dir, `${name}.t3.agc`);
      const s = await createArchive({ ...base, ...opts, output: o1, threads: 1 });
      await createArchive({ ...base, ...opts, output: o2, threads: 2 });
      await createArchive({ ...base, ...opts, output: o3, threads: 3 });
      expect(sha256File(o2)).toBe(sha256File(o1));
      expect(sha256File(o3)).toBe(sha256File(o1));
      expect(s.stats.stages.map((x) => x.stage).filter((x) => !x.includes('/'))).toEqual(['splitters', 'compress', 'close']);
      expect(s.stats.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(s.stats.cpuMs).toBeGreaterThan(0);
      expect(s.samples).toBe(files.length);
      expect(s.groups).toBeGreaterThan(16);
      const r = await expectRoundTrip(o1, files);
      expect(r.samples).toBe(files.length);
      expect(r.contigs).toBe(s.contigs);
    });
  }

  it('concatenated mode (-c) with a batch boundary inside a file', async () => {
    const all = path.join(dir, 'all.fa');
    fs.writeFileSync(
      all,
      files
        .slice(1)
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join(''),
    );
    const o1 = path.join(dir, 'concat.t1.agc');
    const o2 = path.join(dir, 'concat.t2.agc');
    // Headers repeat across files in -c mode only by first word; keep those unique.
    const uniq = path.join(dir, 'uniq.fa');
    let i = 0;
    fs.writeFileSync(
      uniq,
      fs.readFileSync(all, 'utf8').replace(/^>(\S+)/gm, (_m, w: string) => `>${w}_${i++}`),
    );
    await createArchive({ ...base, samples: [uniq], concatenated: true, output: o1, threads: 1, batchSize: 4 });
    await createArchive({ ...base, samples: [uniq], concatenated: true, output: o2, threads: 2, batchSize: 4 });
    expect(sha256File(o2)).toBe(sha256File(o1));
    await expectRoundTrip(o1, [files[0]!, uniq], true);
  });

  it('append (plain and adaptive) continues packed groups and reads back', async () => {
    for (const adaptive of [false, true]) {
      const first = path.join(dir, `base-${adaptive}.agc`);
      await createArchive({ ...base, samples: files.slice(1, 3), output: first, threads: 2 });
      const outs = [1, 2].map((t) => path.join(dir, `app-${adaptive}-${t}.agc`));
      for (const [j, out] of outs.entries())
        await appendArchive({ input: first, output: out, samples: files.slice(3), adaptive, fallbackFraction: 0.02, threads: j + 1 });
      expect(sha256File(outs[1]!)).toBe(sha256File(outs[0]!));
      await expectRoundTrip(outs[0]!, files);
    }
  });
});
