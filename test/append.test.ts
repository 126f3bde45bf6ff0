// agc-node append reproduces upstream agc 3.2.2 on every golden append case (-t 1 and -t 2),
// never modifies its input, and rejects inputs that are not (intact) AGC archives.
import { afterAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { caseDir, cases, datasetDir } from './shared-data.js';
import { expectRoundTrip, runCase, sha256File, stepInputs, tempDir } from './helpers/compress-run.js';
import { main } from '../lib/cli/main.js';
import { appendArchive } from '../lib/write/api.js';
import { AgcInputError } from '../lib/errors.js';

const full = process.env.AGC_FULL === '1';
const QUICK_T3 = new Set(['mers-46-append', 'saureus-6-append']);
const dir = tempDir('append');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const appendCases = cases.filter((c) => c.steps.some((s) => s[0] === 'append'));

describe('golden append cases', () => {
  for (const c of appendCases) {
    const heavy = c.dataset === 'klebsiella-8';
    // -t 3: an odd worker count (groups spread unevenly); every case in the full tier.
    for (const t of full || QUICK_T3.has(c.id) ? [1, 2, 3] : [1, 2]) {
      it.skipIf(heavy && !full)(`${c.id} -t ${t}`, { timeout: heavy ? 600_000 : 120_000 }, async () => {
        const outs = await runCase(c, t, dir);
        // The base archive is upstream's too, and appending did not touch it.
        expect(sha256File(outs[0]!)).toBe(sha256File(path.join(caseDir(c.id), 'base.agc')));
        const last = outs[outs.length - 1]!;
        expect(fs.statSync(last).size).toBe(c.bytes);
        expect(sha256File(last)).toBe(c.sha256);
        if (t === 1 && (!heavy || full)) {
          const cwd = datasetDir(c.dataset);
          const files = c.steps.flatMap((s) => stepInputs(s, cwd));
          const r = await expectRoundTrip(last, files);
          expect(r.samples).toBe(c.samples);
        }
        for (const o of outs) fs.rmSync(o, { force: true });
      });
    }
  }
});

describe('append input handling', () => {
  const golden = path.join(caseDir('mers-tiny-append'), 'base.agc');
  const data = datasetDir('mers-tiny');

  it('appends golden base.agc without modifying it (byte-identical result)', async () => {
    const input = path.join(dir, 'base-copy.agc');
    fs.copyFileSync(golden, input);
    const before = sha256File(input);
    const mtime = fs.statSync(input).mtimeMs;
    const out = path.join(dir, 'appended.agc');
    const s = await appendArchive({
      input,
      output: out,
      samples: ['Jordan-N3_2012.fa', 'KSA-CAMEL-363.fa', 'Qatar3.fa'].map((f) => path.join(data, f)),
      threads: 2,
    });
    expect(sha256File(input)).toBe(before);
    expect(fs.statSync(input).mtimeMs).toBe(mtime);
    expect(sha256File(out)).toBe(cases.find((c) => c.id === 'mers-tiny-append')!.sha256);
    expect(s.samples).toBe(3);
    expect(s.contigs).toBe(3);
    expect(s.bytesOut).toBe(fs.statSync(out).size);
  });

  it('rejects writing over the input archive', async () => {
    const input = path.join(dir, 'same.agc');
    fs.copyFileSync(golden, input);
    const before = sha256File(input);
    await expect(appendArchive({ input, output: input, samples: [path.join(data, 'Qatar3.fa')] })).rejects.toThrow(/must differ from the input/);
    expect(sha256File(input)).toBe(before);
  });

  it('rejects a sample already in the archive', async () => {
    const out = path.join(dir, 'dup.agc');
    await expect(appendArchive({ input: golden, output: out, samples: [path.join(data, 'EMC_2012.fa')] })).rejects.toThrow(/EMC_2012.*already in the archive/);
    expect(fs.existsSync(out)).toBe(false);
  });

  async function cliError(args: string[]): Promise<{ code: number; err: string }> {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main(args);
      return { code, err: spy.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      spy.mockRestore();
    }
  }

  const leftovers = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith('.tmp'));

  it('appending to a FASTA file (not an archive) fails with one line, exit 1, no output', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'e-'));
    const out = path.join(d, 'out.agc');
    const r = await cliError(['append', '-o', out, path.join(data, 'EMC_2012.fa'), path.join(data, 'Qatar3.fa')]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^agc-node append: .*EMC_2012\.fa.*not an AGC archive/);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(d)).toEqual([]);
  });

  it('appending to a truncated archive fails with one line, exit 1, no output', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'e-'));
    const bad = path.join(d, 'cut.agc');
    const bytes = fs.readFileSync(golden);
    fs.writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
    const out = path.join(d, 'out.agc');
    const r = await cliError(['append', '-o', out, bad, path.join(data, 'Qatar3.fa')]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/cut\.agc/);
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers(d)).toEqual([]);
  });

  it('appending to a missing archive fails', async () => {
    await expect(appendArchive({ input: path.join(dir, 'nope.agc'), output: path.join(dir, 'x.agc'), samples: [] })).rejects.toBeInstanceOf(AgcInputError);
  });
});
