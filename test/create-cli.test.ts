// agc-node create/append command-line behaviour beyond the golden cases: -i lists, stdout output,
// duplicate file names, help, and the summary.
import { afterAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import './helpers/compress-env.js';
import { main } from '../lib/cli/main.js';
import { cases, datasetDir } from './shared-data.js';
import { sha256File, tempDir } from './helpers/compress-run.js';
import { createHash } from 'node:crypto';

const dir = tempDir('cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const data = datasetDir('mers-tiny');
const files = ['EMC_2012.fa', 'Bisha_1_2012.fa', 'England1.fa', 'Jordan-N3_2012.fa', 'KSA-CAMEL-363.fa', 'Qatar3.fa'].map((f) => path.join(data, f));
const expected = cases.find((c) => c.id === 'mers-tiny-default')!.sha256;

async function capture(args: string[]): Promise<{ code: number; out: Buffer; err: string }> {
  const out: Buffer[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: Uint8Array | string, ...rest: unknown[]) => {
    out.push(Buffer.from(chunk as Uint8Array));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, out: Buffer.concat(out), err: e.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('agc-node create CLI', () => {
  it('-i file list (reference first, then the list, then other positionals), duplicates dropped', async () => {
    const list = path.join(dir, 'list.txt');
    fs.writeFileSync(list, `${files[1]}\n${files[2]}  ${files[3]}\n\n${files[1]}\t${files[4]}\n`);
    const out = path.join(dir, 'list.agc');
    const r = await capture(['create', '-t', '1', '-i', list, '-o', out, files[0]!, files[5]!, files[2]!]);
    expect(r.code).toBe(0);
    expect(sha256File(out)).toBe(expected);
  });

  it('writes the archive to stdout without -o', async () => {
    const r = await capture(['create', '-t', '2', ...files]);
    expect(r.code).toBe(0);
    expect(createHash('sha256').update(r.out).digest('hex')).toBe(expected);
  });

  it('options may follow the file names, -d is accepted, -v 1 prints a summary on stderr', async () => {
    const out = path.join(dir, 'late.agc');
    const r = await capture(['create', ...files, '-d', '-o', out, '-v', '1', '-t', '2']);
    expect(r.code).toBe(0);
    expect(sha256File(out)).toBe(expected);
    expect(r.err).toMatch(/Samples added: 6, contigs: 6, segments: \d+, groups: \d+/);
  });

  it('--help prints the options', async () => {
    const r = await capture(['create', '--help']);
    expect(r.code).toBe(0);
    expect(r.out.toString()).toMatch(/-k <int> +k-mer length of the splitters \(default 31; 17..32\)/);
    const a = await capture(['append', '--help']);
    expect(a.out.toString()).toMatch(/Usage: agc-node append/);
  });

  it('append writes to stdout and accepts -i', async () => {
    const base = path.join(dir, 'base.agc');
    expect((await capture(['create', '-t', '1', '-o', base, ...files.slice(0, 3)])).code).toBe(0);
    const list = path.join(dir, 'list2.txt');
    fs.writeFileSync(list, files.slice(3).join('\n'));
    const r = await capture(['append', '-t', '2', base, '-i', list]);
    expect(r.code).toBe(0);
    expect(createHash('sha256').update(r.out).digest('hex')).toBe(cases.find((c) => c.id === 'mers-tiny-append')!.sha256);
  });
});
