// Whole range queries in one native call (native/range_query.cc RangeIndex) over the prefetch
// open's decoded parts: the same bytes as the JS path on every golden archive, misuse of its
// arguments, and data it cannot vouch for left to the JS path.
import { describe, expect, it } from 'vitest';
import { AgcArchive, type AgcArchiveOptions, defaultDecodeAhead } from '../lib/read/agc-archive.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgcCorruptError, AgcError, AgcErrorCode } from '../lib/errors.js';
import { CppArchive } from '../lib/native/cpp-archive.js';
import { native } from '../lib/native/load.js';
import { LETTER_TABLES } from '../lib/read/range-kernels.js';
import type { RangeIndex } from '../binding.js';
import { archivePath, cases, rng } from './shared-data.js';

type Internal = AgcArchiveOptions & { nativeRanges?: boolean; backgroundThread?: boolean };

/** Counts the ranges the archive's native index answered (its private field, wrapped). */
function countNative(a: AgcArchive): { hits: number; calls: number } {
  const holder = a as unknown as { rangeIndex: RangeIndex | undefined };
  const index = holder.rangeIndex;
  if (!index) throw new Error('no native range index');
  const counts = { hits: 0, calls: 0 };
  const read = index.read.bind(index);
  holder.rangeIndex = {
    read: (...args: Parameters<RangeIndex['read']>) => {
      counts.calls++;
      const ok = read(...args);
      if (ok) counts.hits++;
      return ok;
    },
    close: () => index.close(),
  } as RangeIndex;
  return counts;
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as AgcError).code;
  }
  return undefined;
};

describe('native range queries over the prefetched parts', () => {
  const archives = [...new Set(cases.map((c) => archivePath(c)))];

  it.each(archives)('give the JS path bytes on %s', async (file) => {
    const fast = await AgcArchive.open(file, { prefetch: true });
    const slow = await AgcArchive.open(file, { prefetch: true, nativeRanges: false } as Internal);
    try {
      await fast.backgroundSettled();
      await slow.backgroundSettled();
      const counts = countNative(fast);
      // seeded by the case's own folder, not the checkout's path, so every clone draws the same ranges
      const rand = rng(path.basename(path.dirname(file)).length);
      let queries = 0;
      for (const s of await fast.samples()) {
        for (const ctg of fast.sampleLayout(s)!.contigs) {
          const len = ctg.length;
          // short ranges, ranges across several segments, the whole contig, the ends
          const ranges: Array<[number, number]> = [
            [0, len],
            [0, Math.min(len, 1)],
            [Math.max(0, len - 1), len],
          ];
          for (let i = 0; i < 6; i++) {
            const st = Math.floor(rand() * len);
            ranges.push([st, Math.min(len, st + 1 + Math.floor(rand() * (i % 2 === 0 ? 80000 : 4000)))]);
          }
          for (const [start, end] of ranges) {
            const q = { sample: s, contig: ctg.name, start, end };
            const got = await fast.getSequenceBytes(q);
            const want = await slow.getSequenceBytes(q);
            if (!Buffer.from(got!).equals(Buffer.from(want!))) expect({ s, c: ctg.name, start, end }).toBe('the same as the JS path');
            if (end > start) queries++;
          }
        }
      }
      expect(queries).toBeGreaterThan(0);
      // everything was decoded in the background before the first query (but parts stored
      // without compression, which the background leaves to the JS path): nearly every range is
      // native (long ones in several calls)
      expect(counts.calls).toBeGreaterThanOrEqual(queries);
      // (the tiny archives store many of their small parts uncompressed: 42-50 of 54 ranges here)
      expect(counts.hits).toBeGreaterThan((counts.calls > 1000 ? 0.99 : 0.7) * counts.calls);
    } finally {
      fast.close();
      slow.close();
    }
  });

  it('answers ranges before the background is done as the JS path', async () => {
    const c = cases.find((x) => x.id === 'klebsiella-8-default')!;
    const a = await AgcArchive.open(archivePath(c), { prefetch: true });
    const b = await AgcArchive.open(archivePath(c), { prefetch: false });
    try {
      const counts = countNative(a);
      const contigs: Array<{ s: string; name: string; len: number }> = [];
      for (const s of await a.samples()) for (const l of a.sampleLayout(s)!.contigs) contigs.push({ s, name: l.name, len: l.length });
      const rand = rng(7);
      for (let i = 0; i < 3000; i++) {
        const t = contigs[Math.floor(rand() * contigs.length)];
        const start = Math.floor(rand() * t.len);
        const q = { sample: t.s, contig: t.name, start, end: Math.min(t.len, start + 4000) };
        const got = a.getSequenceBytesSync(q)!;
        if (!Buffer.from(got).equals(Buffer.from(b.getSequenceBytesSync(q)!))) expect(q).toBe('the same as without prefetch');
        if (i === 1500) await a.backgroundSettled();
      }
      expect(counts.hits).toBeGreaterThan(0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('decode the parts they need without a background thread, as the JS path', async () => {
    const c = cases.find((x) => x.id === 'saureus-6-default')!;
    const a = await AgcArchive.open(archivePath(c), { prefetch: true, backgroundThread: false } as Internal);
    const b = await AgcArchive.open(archivePath(c));
    try {
      // (no part decoded in the background: every one by the queries)
      expect(await (a as unknown as { background: { done: Promise<number> } }).background.done).toBe(0);
      const counts = countNative(a);
      const rand = rng(11);
      for (const s of await a.samples()) {
        for (const l of a.sampleLayout(s)!.contigs) {
          for (let i = 0; i < 20; i++) {
            const start = Math.floor(rand() * l.length);
            const q = { sample: s, contig: l.name, start, end: Math.min(l.length, start + 1 + Math.floor(rand() * 20000)) };
            if (!Buffer.from((await a.getSequenceBytes(q))!).equals(Buffer.from((await b.getSequenceBytes(q))!)))
              expect(q).toBe('the same as without prefetch');
          }
        }
      }
      expect(counts.hits).toBeGreaterThan(0.8 * counts.calls);
    } finally {
      a.close();
      b.close();
    }
  });

  it('serve the default open too (parts decoded into the space as queries need them)', async () => {
    const c = cases.find((x) => x.id === 'klebsiella-8-default')!;
    const a = await AgcArchive.open(archivePath(c));
    const b = await AgcArchive.open(archivePath(c), { nativeRanges: false } as Internal);
    try {
      const counts = countNative(a);
      expect((b as unknown as { rangeIndex: unknown }).rangeIndex).toBeUndefined();
      const rand = rng(5);
      for (const s of await a.samples()) {
        for (const l of a.sampleLayout(s)!.contigs.slice(0, 20)) {
          const start = Math.floor(rand() * l.length);
          const q = { sample: s, contig: l.name, start, end: Math.min(l.length, start + 4000) };
          if (!Buffer.from((await a.getSequenceBytes(q))!).equals(Buffer.from((await b.getSequenceBytes(q))!))) expect(q).toBe('the same as the JS path');
        }
      }
      expect(counts.calls).toBeGreaterThan(50);
      expect(counts.hits).toBeGreaterThan(0.8 * counts.calls);
    } finally {
      a.close();
      b.close();
    }
  });

  it('decode ahead by default where a second core can run the job, not on one CPU', () => {
    expect(defaultDecodeAhead(1)).toBe(0);
    expect(defaultDecodeAhead(2)).toBe(2);
    expect(defaultDecodeAhead(64)).toBe(2);
  });

  it('have the default open decode parts ahead on the pool: two per part a query decoded, at most', async () => {
    const c = cases.find((x) => x.id === 'klebsiella-8-default')!;
    // (as the default open on two or more cores, whatever this machine has)
    const a = await AgcArchive.open(archivePath(c), { decodeAhead: 2 } as Internal);
    const off = await AgcArchive.open(archivePath(c), { decodeAhead: 0 } as Internal);
    const b = await AgcArchive.open(archivePath(c), { nativeRanges: false } as Internal);
    const decoded = (x: AgcArchive) => (x as unknown as { rangeIndex: RangeIndex }).rangeIndex.decoded();
    try {
      const rand = rng(9);
      for (const s of await a.samples()) {
        for (const l of a.sampleLayout(s)!.contigs.slice(0, 10)) {
          const start = Math.floor(rand() * l.length);
          const q = { sample: s, contig: l.name, start, end: Math.min(l.length, start + 4000) };
          const want = Buffer.from((await b.getSequenceBytes(q))!);
          if (!Buffer.from((await a.getSequenceBytes(q))!).equals(want)) expect(q).toBe('the same as the JS path');
          if (!Buffer.from((await off.getSequenceBytes(q))!).equals(want)) expect(q).toBe('the same as the JS path');
        }
      }
      // the pool job runs on its own time: wait (bounded) until it has spent its credits
      for (let i = 0; i < 500 && decoded(a)[1] < 2 * decoded(a)[0]; i++) await new Promise((r) => setTimeout(r, 5));
      const [byQueries, ahead] = decoded(a);
      expect(byQueries).toBeGreaterThan(0);
      expect(ahead).toBeGreaterThan(0);
      expect(ahead).toBeLessThanOrEqual(2 * byQueries);
      expect(decoded(off)[1]).toBe(0);
      // (each part once: what was decoded ahead is not decoded again by the queries)
      expect(byQueries).toBeLessThan(decoded(off)[0]);
    } finally {
      a.close();
      off.close();
      b.close();
    }
  });

  it('survive close, and being dropped, while the default open decodes ahead', async () => {
    const c = cases.find((x) => x.id === 'klebsiella-8-default')!;
    for (let round = 0; round < 4; round++) {
      const a = await AgcArchive.open(archivePath(c));
      const sample = (await a.samples())[round];
      const l = a.sampleLayout(sample)!.contigs[0];
      const q = { sample, contig: l.name, start: 0, end: Math.min(l.length, 3000) };
      expect((await a.getSequenceBytes(q))!.length).toBe(q.end);
      // at once, while the pool job has its credits; a dropped archive leaves it to finish alone
      if (round % 2 === 0) {
        a.close();
        await expect(a.getSequenceBytes(q)).rejects.toBeInstanceOf(AgcError);
      }
    }
  });

  it('report corrupt parts as AgcCorruptError naming the archive (through the JS path)', async () => {
    const c = cases.find((x) => x.id === 'saureus-6-default')!;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-rq-'));
    try {
      const bytes = Buffer.from(fs.readFileSync(archivePath(c)));
      {
        // garble the zstd frame of the first part of every group stream
        using ar = CppArchive.open(archivePath(c));
        for (const [id, name] of ar.streamNames().entries()) {
          if (!/^x[0-9A-Za-z_#]+[rd]$/.test(name) || ar.numParts(id) === 0) continue;
          const off = ar.partOffset(id, 0);
          for (let i = off + 8; i < off + Math.min(ar.partSize(id, 0), 64); i++) bytes[i] ^= 0xa5;
        }
      }
      const bad = path.join(tmp, 'corrupt.agc');
      fs.writeFileSync(bad, bytes);
      for (const settle of [false, true, undefined]) {
        // (undefined: the default open)
        const a = await AgcArchive.open(bad, { prefetch: settle !== undefined });
        try {
          if (settle) await a.backgroundSettled();
          let err: unknown;
          for (const s of await a.samples()) {
            for (const l of a.sampleLayout(s)!.contigs) {
              err = await a.getSequenceBytes({ sample: s, contig: l.name, start: 0, end: Math.min(l.length, 5000) }).then(
                () => undefined,
                (e: unknown) => e,
              );
              if (err) break;
            }
            if (err) break;
          }
          expect(err).toBeInstanceOf(AgcCorruptError);
          expect((err as Error).message).toContain(bad);
          expect((err as Error).message.split('\n')).toHaveLength(1);
        } finally {
          a.close();
        }
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('give small results that share no bytes (cut from one slab)', async () => {
    const c = cases.find((x) => x.id === 'klebsiella-8-default')!;
    const a = await AgcArchive.open(archivePath(c));
    try {
      const s = (await a.samples())[1];
      const ctg = (await a.contigs(s))![0];
      const results: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) results.push((await a.getSequenceBytes({ sample: s, contig: ctg, start: 1000 * i, end: 1000 * i + 4000 }))!);
      const copies = results.map((r) => Buffer.from(r));
      expect(new Set(results.map((r) => r.buffer)).size).toBeLessThan(results.length);
      for (const r of results) r.fill(0);
      for (let i = 0; i < 40; i++) {
        expect(copies[i].length).toBe(4000);
        expect(copies[i].includes(0)).toBe(false);
        expect(Buffer.from((await a.getSequenceBytes({ sample: s, contig: ctg, start: 1000 * i, end: 1000 * i + 4000 }))!).equals(copies[i])).toBe(true);
      }
      // every result still all zeros: none was written through another
      for (const r of results) expect(r.every((b) => b === 0)).toBe(true);
    } finally {
      a.close();
    }
  });

  it('turn misuse into AGC_INPUT errors', () => {
    const space = new Uint8Array(64);
    const words = new Int32Array(4 + 7);
    const meta = new Float64Array(1);
    const jobOf = Int32Array.from([0]);
    const groups = Int32Array.from([-1, -1, 0, 1]);
    const make = (...over: unknown[]) => {
      const args: unknown[] = [
        space,
        words,
        meta,
        jobOf,
        groups,
        LETTER_TABLES,
        50,
        20,
        31,
        '/nonexistent/archive.agc',
        100,
        Float64Array.from([0, 50, 0]),
        1024,
        0,
      ];
      over.forEach((v, i) => {
        if (v !== undefined) args[i] = v;
      });
      return new (native.RangeIndex as unknown as new (...a: unknown[]) => RangeIndex)(...args);
    };
    expect(codeOf(() => make(new Float64Array(4)))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(undefined, new Int32Array(5)))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(undefined, undefined, new Float64Array(2)))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(undefined, undefined, undefined, undefined, Int32Array.from([0, 5, -1, 0])))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(undefined, undefined, undefined, undefined, undefined, new Uint8Array(3)))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(undefined, undefined, undefined, undefined, undefined, undefined, 0))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(...Array(11), Float64Array.from([0, 50])))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(...Array(11), Float64Array.from([90, 50, 0])))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(...Array(9), 7))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(...Array(13), -1))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => make(...Array(14), 'yes'))).toBe(AgcErrorCode.INPUT);
    const index = make();
    const u32 = (...v: number[]) => Uint32Array.from(v);
    const layout = [u32(0), u32(0), u32(10), Uint8Array.from([0]), Float64Array.from([0, 10])] as const;
    const dst = new Uint8Array(10);
    expect(codeOf(() => index.read(...layout, 0, 11, dst, 0))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => index.read(...layout, 5, 4, dst, 0))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => index.read(...layout, 0, 10, dst, 1))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => index.read(layout[0], layout[1], u32(10, 1), layout[3], layout[4], 0, 10, dst, 0))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => index.read(...layout, 0, 10, space, 0))).toBe(AgcErrorCode.INPUT);
    expect(codeOf(() => index.read(...layout, 0, 10, 'x' as unknown as Uint8Array, 0))).toBe(AgcErrorCode.INPUT);
    // called on another object: V8 refuses it
    expect(() => (index.read as unknown as (...a: unknown[]) => unknown).call({}, ...layout, 0, 10, dst, 0)).toThrow(TypeError);
    // a part not decoded yet, from a file that is gone: false, nothing thrown, and the part left
    // to the JS path (failed)
    expect(index.read(...layout, 0, 10, dst, 0)).toBe(false);
    expect(words[4]).toBe(4);
  });

  it('leaves data it cannot vouch for to the JS path (false, no throw)', () => {
    // raw group 0, one pack (job 0) decoded "done": entries of 2 and 3 symbols (codes)
    const space = new Uint8Array(64);
    space.set([0, 1, 0xff, 9, 9, 9, 0xff], 0);
    new Uint32Array(space.buffer, 16, 2).set([2, 6]);
    const words = Int32Array.from([0, 0, 0, 0, 2, 0, 7, 0, 16, 2, -1]);
    const index = new native.RangeIndex(
      space,
      words,
      new Float64Array(1),
      Int32Array.from([0]),
      Int32Array.from([-1, -1, 0, 1]),
      LETTER_TABLES,
      50,
      20,
      31,
      '/nonexistent',
      100,
      Float64Array.from([0, 50, 0]),
      1024,
      0,
    );
    const dst = new Uint8Array(3);
    const one = (inGroup: number, n: number, rc: number) =>
      index.read(Uint32Array.from([0]), Uint32Array.from([inGroup]), Uint32Array.from([n]), Uint8Array.from([rc]), Float64Array.from([0, n]), 0, n, dst, 0);
    expect(one(0, 2, 0)).toBe(true);
    expect(Buffer.from(dst.subarray(0, 2)).toString('latin1')).toBe('AC');
    expect(one(0, 2, 1)).toBe(true);
    expect(Buffer.from(dst.subarray(0, 2)).toString('latin1')).toBe('GT');
    // the segment's length disagrees with the entry; an entry the pack does not have
    expect(one(0, 3, 0)).toBe(false);
    expect(one(2, 2, 0)).toBe(false);
    // an LZ group (no streams here) and a pack entry the decoder rejects
    expect(
      index.read(Uint32Array.from([20]), Uint32Array.from([1]), Uint32Array.from([3]), Uint8Array.from([0]), Float64Array.from([0, 3]), 0, 3, dst, 0),
    ).toBe(false);
    words[7] = 2; // marker of a compact LZ pack on a raw group: not served
    expect(one(0, 2, 0)).toBe(false);
  });
});
