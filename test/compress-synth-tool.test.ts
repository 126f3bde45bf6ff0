// A small collection from the shared synthetic generator (SNPs, indels, inversions, duplications,
// soft-masking, N gaps, fragmented assemblies, reverse-complemented contigs): create writes the same
// bytes with -t 1, 2 and 3, reads back exactly, and, when the generator produced the inputs these
// figures were taken from, writes the bytes upstream agc 3.2.2 wrote for them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchive, type CreateArchiveOptions } from '../lib/write/api.js';
import { expectRoundTrip, sha256File, tempDir } from './helpers/compress-run.js';
import { sharedDir } from './shared-data.js';

const dir = tempDir('synth-tool');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const synth = path.join(sharedDir, 'tools', 'synth.py');
let hasGenerator = false;
try {
  execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  hasGenerator = fs.existsSync(synth);
} catch {
  hasGenerator = false;
}

// synth.py DIR --samples 4 --mbp 0.2 --chroms 2 --seed 7 (numpy 2.4): inputs and upstream's archives.
const INPUTS: Record<string, string> = {
  'hap000.fa': '0ab709b0a2257c3e86f93502dbdcf5746df305e2ed7d210e8a24db36d1f44bb0',
  'hap001.fa': 'c51d1aab6425f41a04de2050a0f1ea121650fb519ca44392009a0e3204a5435e',
  'hap002.fa': 'dc0aebaaf64bf217b2135327dfbc7a219ed52807d3840d2f56022ba840555fc4',
  'hap003.fa': 'fd1bf37d38837b08bf97514ad89db30a8eff01f966a4bce2cc6d2e0a42f58b29',
};
const CASES: Array<{ name: string; opts: Partial<CreateArchiveOptions>; upstream: string }> = [
  // agc create -s 2000 -k 21 -b 2
  {
    name: 's 2000, k 21, b 2',
    opts: { segmentSize: 2000, kmerLength: 21, batchSize: 2 },
    upstream: 'a218b4866f38bd6666c6c3d5bb402d70dca07e9d77aca63c1cc451abcd63fd5f',
  },
  // agc create -s 1500 -k 25 -a -f 0.02 -b 3
  {
    name: 'adaptive + fallback, s 1500, k 25, b 3',
    opts: { segmentSize: 1500, kmerLength: 25, adaptive: true, fallbackFraction: 0.02, batchSize: 3 },
    upstream: '338128b677743f6b8300f62e4ffde386e658594ce917cd08657263f1fb77e873',
  },
];

describe.skipIf(!hasGenerator)('synth.py collection (needs python3 with numpy)', () => {
  const data = path.join(dir, 'in');
  const files = Object.keys(INPUTS).map((f) => path.join(data, f));
  let sameInputs = false;

  it('generates the inputs', { timeout: 60_000 }, () => {
    execFileSync('python3', [synth, data, '--samples', '4', '--mbp', '0.2', '--chroms', '2', '--seed', '7'], { stdio: 'ignore' });
    for (const f of files) expect(fs.statSync(f).size).toBeGreaterThan(100_000);
    // Another numpy may draw other numbers: then only the thread-count identity is checked.
    sameInputs = files.every((f) => sha256File(f) === INPUTS[path.basename(f)]);
  });

  for (const c of CASES) {
    it(`${c.name}: -t 1, 2, 3 identical, round trip, upstream's bytes`, { timeout: 300_000 }, async () => {
      const outs: string[] = [];
      for (const t of [1, 2, 3]) {
        const o = path.join(dir, `${c.name.replace(/\W+/g, '_')}.t${t}.agc`);
        await createArchive({ reference: files[0]!, samples: files.slice(1), ...c.opts, output: o, threads: t });
        outs.push(o);
      }
      const h = sha256File(outs[0]!);
      expect(sha256File(outs[1]!)).toBe(h);
      expect(sha256File(outs[2]!)).toBe(h);
      if (sameInputs) expect(h).toBe(c.upstream);
      const r = await expectRoundTrip(outs[0]!, files);
      expect(r.samples).toBe(4);
    });
  }
});
