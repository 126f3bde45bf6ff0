// Damaged archives through the pure-TypeScript reader: truncations and byte changes anywhere
// must end in an AgcError (or correct output when the damage does not matter), never another
// exception, a hang or a huge allocation.
import { expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { RemoteAgcArchive } from '../lib/web/remote-archive.js';
import { isAgcError } from '../lib/errors.js';
import { caseDir } from './shared-data.js';

const good = fs.readFileSync(path.join(caseDir('mers-tiny-default'), 'archive.agc'));

async function readAll(bytes: Uint8Array): Promise<string> {
  const a = await RemoteAgcArchive.open(bytes);
  let out = '';
  for (const s of await a.samples()) for (const c of (await a.contigs(s)) ?? []) out += (await a.getSequence({ sample: s, contig: c })) ?? '';
  return out;
}

test('truncated and mutated archives give AgcError', async () => {
  const want = await readAll(good);
  let seed = 99;
  const rnd = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) * n);
  const variants: Uint8Array[] = [new Uint8Array(0), good.subarray(0, 8), good.subarray(0, good.length - 1), good.subarray(1)];
  for (let i = 0; i < 40; i++) variants.push(good.subarray(0, rnd(good.length)));
  for (let i = 0; i < 160; i++) {
    const b = Uint8Array.from(good);
    // Bias towards the tail, where footer and metadata live.
    const at = i % 2 ? good.length - 1 - rnd(Math.min(good.length, 2000)) : rnd(good.length);
    b[at] = i % 3 === 0 ? b[at] ^ (1 << rnd(8)) : rnd(256);
    variants.push(b);
  }
  let failed = 0;
  for (const v of variants) {
    try {
      const got = await readAll(v);
      // Undetected damage is possible (e.g. in zstd padding); then the output may differ, but it must be a string.
      expect(typeof got).toBe('string');
      if (got !== want) failed++;
    } catch (e) {
      if (!isAgcError(e)) throw new Error(`non-AgcError for a damaged archive: ${(e as Error).stack}`);
      expect((e as Error).message).not.toMatch(/\n/);
      failed++;
    }
  }
  expect(failed).toBeGreaterThan(variants.length / 2);
});
