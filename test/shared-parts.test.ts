// Decoded parts shared between readers of one archive (SharedParts, AgcArchive.shareDecodedParts):
// what one reader decoded, another reuses, byte for byte; a space too small or a failing decode
// leaves the part to each reader.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { SharedParts } from '../lib/read/shared-parts.js';
import { archivePath, caseDir, cases, goldenSha, sha256 } from './shared-data.js';

const saureus = cases.find((c) => c.id === 'saureus-6-default')!;

/** Every sample as FASTA through the bulk path the CLI uses (recordWriter into bulkBuffers). */
function bulkFasta(a: AgcArchive): Buffer {
  const [buf] = a.bulkBuffers(1, 1 << 16);
  let scratch: Uint8Array | undefined;
  const scratchOf = (n: number) => (scratch && scratch.length >= n ? scratch : (scratch = a.bulkBuffers(1, Math.max(n, 1 << 18))[0]));
  const out: Buffer[] = [];
  for (const s of a.samplesSync())
    for (const c of a.sampleLayout(s)!.contigs) {
      const w = a.recordWriter(c, c.name, 0, c.length, 80, scratchOf);
      while (!w.done) out.push(Buffer.from(buf.subarray(0, w.fill(buf, 0, buf.length))));
    }
  return Buffer.concat(out);
}

describe('shared decoded parts', () => {
  it('a second reader reuses the parts the first decoded, with identical output', () => {
    using first = AgcArchive.openSync(archivePath(saureus));
    expect(first.loadIntoMemory()).toBe(true);
    const init = first.shareDecodedParts()!;
    expect(init.space).toBeInstanceOf(SharedArrayBuffer);
    using second = AgcArchive.openSync(archivePath(saureus));
    second.loadIntoMemory();
    second.shareDecodedParts(init);
    const golden = goldenSha(path.join(caseDir(saureus), 'getcol.sha256'));
    expect(sha256(bulkFasta(first))).toBe(golden);
    const used = new Int32Array(init.control)[0];
    expect(used).toBeGreaterThan(0);
    expect(sha256(bulkFasta(second))).toBe(golden);
    // nothing was decoded into the space a second time
    expect(new Int32Array(init.control)[0]).toBe(used);
  });

  it('without the in-memory image there is nothing to share', () => {
    using a = AgcArchive.openSync(archivePath(saureus));
    expect(a.shareDecodedParts()).toBeUndefined();
  });

  it('a part that does not fit, or whose decoding fails, is left to each reader', () => {
    const init = SharedParts.create(4, 64);
    const p = SharedParts.join(init);
    const q = SharedParts.join(init);
    const fill = (n: number, v: number) => (alloc: (length: number, phase: number) => Uint8Array) => alloc(n, 0).fill(v);
    // fits: made once, then the other reader sees the same bytes without making them
    expect([...p.obtain(0, fill(8, 7))!]).toEqual(Array(8).fill(7));
    expect([...q.obtain(0, () => expect.fail('made twice'))!]).toEqual(Array(8).fill(7));
    // too large for the space: the maker gets its own array, the others decode themselves
    const big = p.obtain(1, fill(100, 1))!;
    expect(big.length).toBe(100);
    expect(big.buffer).not.toBe(init.space);
    expect(q.obtain(1, fill(100, 1))).toBeUndefined();
    // a failure passes through and does not block the slot
    expect(() => p.obtain(2, () => expect.fail('corrupt'))).toThrow('corrupt');
    expect(q.obtain(2, fill(4, 2))).toBeUndefined();
    // out of range
    expect(p.obtain(4, fill(1, 0))).toBeUndefined();
  });
});
