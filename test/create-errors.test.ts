// Bad input to agc-node create: one clear line on stderr, exit code 1, and nothing left under the
// output name (nor temporary files beside it). Upstream crashes or silently clamps on several of these.
import { afterAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import './helpers/compress-env.js';
import { main } from '../lib/cli/main.js';
import { createArchive } from '../lib/write/api.js';
import { AgcInputError } from '../lib/errors.js';
import { datasetDir } from './shared-data.js';
import { tempDir } from './helpers/compress-run.js';

const dir = tempDir('errors');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const ref = path.join(datasetDir('mers-tiny'), 'EMC_2012.fa');
const other = path.join(datasetDir('mers-tiny'), 'Qatar3.fa');

let n = 0;
function file(name: string, content: string | Uint8Array): string {
  const d = path.join(dir, `in${n++}`);
  fs.mkdirSync(d);
  const p = path.join(d, name);
  fs.writeFileSync(p, content);
  return p;
}

async function run(args: string[]): Promise<{ code: number; err: string }> {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, err: spy.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    spy.mockRestore();
  }
}

/** Runs `create -o <fresh folder>/out.agc ...args` and checks the failure contract. */
async function expectFailure(args: string[], message: RegExp): Promise<void> {
  const d = fs.mkdtempSync(path.join(dir, 'out-'));
  const out = path.join(d, 'out.agc');
  const r = await run(['create', '-o', out, ...args]);
  expect(r.code).toBe(1);
  const lines = r.err
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('Usage') && !l.startsWith('   ') && !l.startsWith('Options') && !l.startsWith('Values'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^agc-node create: /);
  expect(lines[0]).toMatch(message);
  expect(fs.readdirSync(d)).toEqual([]);
}

describe('create rejects bad input', () => {
  it('missing input file', () => expectFailure([ref, path.join(dir, 'missing.fa')], /missing\.fa: no such file/));
  it('missing reference', () => expectFailure([path.join(dir, 'nope.fa')], /nope\.fa: no such file/));
  it('empty file', () => expectFailure([ref, file('empty.fa', '')], /empty\.fa: empty file/));
  it('file with no FASTA records', () =>
    expectFailure([ref, file('text.fa', 'this is not FASTA\n')], /text\.fa: not a FASTA file: it does not start with a '>' header line/));
  it('file whose first record has no body (upstream reads nothing)', () =>
    expectFailure([ref, file('nobody.fa', '>a\n>b\nACGT\n')], /nobody\.fa: record "a" has no sequence/));
  it('record with no body in the middle of a file (upstream silently stops reading)', () =>
    expectFailure([ref, file('midstop.fa', '>a\nACGTACGT\n>b\n>c\nACGTACGT\n')], /midstop\.fa: record "b" has no sequence/));
  it('reference whose record has no body in the middle', () =>
    expectFailure([file('refstop.fa', '>a\nACGTACGTACGTACGT\n>b\n>c\nACGT\n')], /refstop\.fa: record "b" has no sequence/));
  it('record with no sequence', () => expectFailure([ref, file('noseq.fa', '>a\n\n>b\nACGTACGT\n')], /noseq\.fa: record "a" has no sequence/));
  it('reference with no FASTA records', () => expectFailure([file('ref.fa', 'nothing here')], /ref\.fa: not a FASTA file/));
  it('bytes outside the printable range', () =>
    expectFailure([ref, file('utf8.fa', '>a\nACGT\u00e9ACGT\n')], /utf8\.fa: byte 0xC3.*not a valid sequence symbol/));
  it('corrupt gzip', () => {
    const gz = zlib.gzipSync(Buffer.from('>a\nACGTACGT\n'));
    return expectFailure([ref, file('bad.fa.gz', gz.subarray(0, gz.length - 6))], /bad\.fa\.gz: gzip data is corrupt|bad\.fa\.gz/);
  });
  it('two samples with the same name', () => {
    const a = file('same.fa', '>x\nACGTACGTAAAA\n');
    const b = file('same.fa.gz', zlib.gzipSync(Buffer.from('>y\nACGTACGTCCCC\n')));
    return expectFailure([ref, a, b], /sample name "same" is also the name of/);
  });
  it('a sample named like the reference', () => expectFailure([ref, file('EMC_2012.fasta', '>z\nACGT\n')], /sample name "EMC_2012"/));

  const ranges: Array<[string[], RegExp]> = [
    [['-k', '16'], /k-mer length \(-k\) must be in 17\.\.32/],
    [['-k', '33'], /k-mer length \(-k\) must be in 17\.\.32/],
    [['-l', '14'], /min\. match length \(-l\) must be in 15\.\.32/],
    [['-l', '33'], /min\. match length \(-l\) must be in 15\.\.32/],
    [['-s', '99'], /segment size \(-s\) must be in 100\.\.1,000,000/],
    [['-s', '1000001'], /segment size \(-s\) must be in 100\.\.1,000,000/],
    [['-b', '0'], /batch size \(-b\) must be in 1\.\./],
    [['-f', '0.051'], /fallback fraction \(-f\) must be in 0\.\.0\.05/],
    [['-f-0.01'], /fallback fraction \(-f\) must be in 0\.\.0\.05/],
    [['-t', '0'], /thread count \(-t\) must be in 1\.\./],
    [['-k', 'abc'], /-k: expected an integer/],
    [['-f', 'x'], /-f: expected a number/],
  ];
  for (const [flags, msg] of ranges) it(`out of range: ${flags.join(' ')}`, () => expectFailure([...flags, ref, other], msg));

  it('output path in a missing folder', async () => {
    const out = path.join(dir, 'no', 'such', 'folder', 'out.agc');
    const r = await run(['create', '-o', out, ref]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/output folder .* does not exist/);
    expect(fs.existsSync(path.dirname(out))).toBe(false);
  });

  it('output path that is one of the inputs', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'same-'));
    const f = path.join(d, 'x.fa');
    fs.copyFileSync(other, f);
    const before = fs.readFileSync(f);
    const r = await run(['create', '-o', f, ref, f]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/output would overwrite the input file/);
    expect(fs.readFileSync(f).equals(before)).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['x.fa']);
  });

  it('unknown option', async () => {
    const r = await run(['create', '-o', path.join(dir, 'x.agc'), '-Q', ref]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^agc-node create: .*-Q/);
  });

  it('no reference', async () => {
    const r = await run(['create', '-o', path.join(dir, 'x.agc')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/agc-node create: no reference file name/);
  });

  it('a failure keeps an existing output file untouched', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'keep-'));
    const out = path.join(d, 'out.agc');
    fs.writeFileSync(out, 'previous');
    const r = await run(['create', '-o', out, ref, file('noseq.fa', '>a\n\n')]);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(out, 'utf8')).toBe('previous');
    expect(fs.readdirSync(d)).toEqual(['out.agc']);
  });

  it('API: errors are AgcInputError and an abort leaves nothing behind', async () => {
    await expect(createArchive({ output: path.join(dir, 'a.agc'), reference: ref, kmerLength: 40 })).rejects.toBeInstanceOf(AgcInputError);
    const d = fs.mkdtempSync(path.join(dir, 'abort-'));
    const ac = new AbortController();
    const p = createArchive({
      output: path.join(d, 'out.agc'),
      reference: ref,
      samples: [other],
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.phase === 'compress') ac.abort(new Error('stop'));
      },
    });
    await expect(p).rejects.toThrow('stop');
    expect(fs.readdirSync(d)).toEqual([]);
  });
});
