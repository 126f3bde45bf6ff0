// create/append --stats and -v 2: the stage table (phases with wall and CPU, the main thread's and
// workers' steps, peak RSS) on stderr, the archive unchanged; without them nothing is printed.
import { afterAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import './helpers/compress-env.js';
import { main } from '../lib/cli/main.js';
import { cases, datasetDir } from './shared-data.js';
import { sha256File, tempDir } from './helpers/compress-run.js';

const dir = tempDir('stats');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const data = datasetDir('mers-tiny');
const files = ['EMC_2012.fa', 'Bisha_1_2012.fa', 'England1.fa', 'Jordan-N3_2012.fa', 'KSA-CAMEL-363.fa', 'Qatar3.fa'].map((f) => path.join(data, f));
const expected = cases.find((c) => c.id === 'mers-tiny-default')!.sha256;

async function stderrOf(args: string[]): Promise<{ code: number; err: string }> {
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, err: e.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    e.mockRestore();
  }
}

const phase = (err: string, name: string): { wall: number; cpu: number; rss: number | null } | null => {
  const m = new RegExp(`^${name} +([\\d.]+) s wall +([\\d.]+) s CPU(?: +([\\d.]+) MiB)?$`, 'm').exec(err);
  return m ? { wall: Number(m[1]), cpu: Number(m[2]), rss: m[3] === undefined ? null : Number(m[3]) } : null;
};

describe('--stats', () => {
  it('create --stats prints every phase, the steps and the peak RSS; the bytes are the golden ones', async () => {
    const out = path.join(dir, 'stats.agc');
    const r = await stderrOf(['create', '--stats', '-t', '2', '-o', out, ...files]);
    expect(r.code).toBe(0);
    expect(sha256File(out)).toBe(expected);
    for (const p of ['splitters', 'compress', 'close', 'total']) expect(phase(r.err, p), p).not.toBeNull();
    expect(phase(r.err, 'total')!.cpu).toBeGreaterThan(0);
    expect(r.err).toMatch(/^ {2}main: segmentation +[\d.]+ s busy$/m);
    expect(r.err).toMatch(/^ {2}workers: LZ-diff encode, packing +[\d.]+ s busy$/m);
    expect(r.err).toMatch(/^ {2}workers: zstd +[\d.]+ s busy$/m);
    const rss = /^peak RSS +([\d.]+) MiB$/m.exec(r.err);
    expect(Number(rss![1])).toBeGreaterThan(10);
    // Every phase shows the high-water mark at its end: rising, the last one the overall peak.
    const marks = ['splitters', 'compress', 'close'].map((p) => phase(r.err, p)!.rss!);
    expect(marks[0]).toBeGreaterThan(10);
    expect(marks[1]).toBeGreaterThanOrEqual(marks[0]!);
    expect(marks[2]).toBeGreaterThanOrEqual(marks[1]!);
    expect(marks[2]).toBeLessThanOrEqual(Number(rss![1]));
    expect(phase(r.err, 'total')!.rss).toBeNull();
  });

  it('-v 2 prints it too (after the summary), append included; -v 1 does not', async () => {
    const base = path.join(dir, 'base.agc');
    const v1 = await stderrOf(['create', '-v', '1', '-t', '1', '-o', base, ...files.slice(0, 3)]);
    expect(v1.code).toBe(0);
    expect(v1.err).toMatch(/Samples added: 3/);
    expect(phase(v1.err, 'total')).toBeNull();
    const out = path.join(dir, 'appended.agc');
    const v2 = await stderrOf(['append', '-v', '2', '-t', '2', '-o', out, base, ...files.slice(3)]);
    expect(v2.code).toBe(0);
    expect(v2.err).toMatch(/Samples added: 3/);
    for (const p of ['open', 'compress', 'close', 'total']) expect(phase(v2.err, p), p).not.toBeNull();
  });
});
