// The random-access kernels (lib/read/range-kernels.ts over vendor/agc/src/segment_decode.cpp)
// against the TypeScript decoders and the source FASTA, the prefetch open's background decoding,
// and misuse of the new native functions.
import { describe, expect, it } from 'vitest';
import { AgcArchive, type AgcArchiveOptions } from '../lib/read/agc-archive.js';
import { AgcCorruptError, AgcError, AgcErrorCode, AgcInputError } from '../lib/errors.js';
import { native } from '../lib/native/load.js';
import { zstdCompress, zstdDecompress } from '../lib/native/zstd.js';
import { RefForm, compactPack, nativeRangeKernels, newCheckpoints, typescriptRangeKernels } from '../lib/read/range-kernels.js';
import { CODE_TO_LETTER, LETTER_COMPLEMENT } from '../lib/format/letters.js';
import { Pack, groupStreamNames, packBytes } from '../lib/format/segment-decode.js';
import { archivePath, cases, rng, sourceSequences } from './shared-data.js';
import { terminateMidJob } from './helpers/terminate-mid-job.js';

const pick = (id: string) => cases.find((x) => x.id === id)!;

/** Random ranges (many short, some across segments, both orientations) of every contig. */
async function checkRanges(a: AgcArchive, src: Map<string, Map<string, string>>, seed: number, perContig: number): Promise<number> {
  const rand = rng(seed);
  let n = 0;
  for (const s of await a.samples()) {
    for (const ctg of a.sampleLayout(s)!.contigs) {
      const seq = src.get(s)!.get(ctg.name)!;
      for (let i = 0; i < perContig; i++) {
        const st = Math.floor(rand() * seq.length);
        const en = Math.min(seq.length, st + 1 + Math.floor(rand() * (i % 3 === 0 ? 70000 : 4000)));
        const got = await a.getSequence({ sample: s, contig: ctg.name, start: st, end: en });
        if (got !== seq.slice(st, en)) expect({ s, c: ctg.name, st, en }).toEqual({ s, c: ctg.name, st, en, got: 'differs from the source' });
        n++;
      }
    }
  }
  return n;
}

describe('native range kernels', () => {
  for (const id of ['mers-46-default', 'saureus-6-default']) {
    it(`give the source letters, as the TypeScript decoders do (${id})`, async () => {
      const c = pick(id);
      const src = sourceSequences(c);
      const ts = { rangeKernels: typescriptRangeKernels(zstdDecompress) } as AgcArchiveOptions;
      // a tiny cache too: references and packs are evicted and decoded again; at 2 MiB most
      // parts of saureus-6 (3 MB of packs) fit in the rings, which wrap many times
      for (const [options, rounds, perContig] of [
        [{}, 2, 8],
        [ts, 1, 8],
        [{ cacheBytes: 1 << 16 }, 1, 2],
        [{ cacheBytes: 2 << 20 }, 2, 4],
        // rings too large to allocate: parts get buffers of their own
        [{ cacheBytes: 2 ** 52 }, 1, 2],
      ] as const) {
        const a = await AgcArchive.open(archivePath(c), options);
        try {
          // the second round reads through checkpoints and admitted segments
          for (let r = 0; r < rounds; r++) expect(await checkRanges(a, src, 7, perContig)).toBeGreaterThan(10);
        } finally {
          a.close();
        }
      }
    });
  }

  it('decode every range of an entry alike with and without checkpoints, and against the TypeScript decoder', async () => {
    const a = await AgcArchive.open(archivePath(pick('saureus-6-default')));
    try {
      const ts = typescriptRangeKernels(zstdDecompress);
      // an LZ-coded segment (not a group reference) of some sample
      const internals = a as unknown as {
        archive: Parameters<typeof textEntry>[0];
        packedReference(g: number): Parameters<typeof ts.lzRange>[0];
      };
      let found: { g: number; id: number; n: number } | undefined;
      for (const s of await a.samples())
        for (const ctg of a.sampleLayout(s)!.contigs)
          for (let k = 0; k < ctg.groupId.length && !found; k++)
            if (ctg.groupId[k] >= 16 && ctg.inGroupId[k] >= 1 && ctg.rawLength[k] > 5000)
              found = { g: ctg.groupId[k], id: ctg.inGroupId[k], n: ctg.rawLength[k] };
      expect(found).toBeDefined();
      const { g, id, n } = found!;
      const ref = internals.packedReference(g);
      // (the reader keeps packs in compact form: the stored text, read here)
      const enc = textEntry(internals.archive, a, g, id - 1);
      const whole = new Uint8Array(n);
      ts.lzRange(ref, enc, a.params.minMatchLength, n, 0, n, whole, 0, false);
      const cp = newCheckpoints(n);
      const rand = rng(99);
      for (let i = 0; i < 300; i++) {
        const from = Math.floor(rand() * n);
        const to = Math.min(n, from + Math.floor(rand() * 3000));
        const rc = i % 2 === 1;
        const want = new Uint8Array(to - from);
        ts.lzRange(ref, enc, a.params.minMatchLength, n, from, to, want, 0, rc);
        if (!rc) expect(Buffer.from(want).equals(whole.subarray(from, to))).toBe(true);
        for (const checkpoints of [undefined, cp]) {
          const got = new Uint8Array(to - from + 3);
          nativeRangeKernels.lzRange(ref, enc, a.params.minMatchLength, n, from, to, got, 3, rc, checkpoints);
          expect(Buffer.from(got.subarray(3)).equals(want)).toBe(true);
        }
      }
      expect(cp[0]).toBeGreaterThan(1);
    } finally {
      a.close();
    }
  });

  it('decode compact entries as the text, every range, with and without checkpoints', async () => {
    const a = await AgcArchive.open(archivePath(pick('saureus-6-default')));
    try {
      const internals = a as unknown as {
        archive: Parameters<typeof textEntry>[0];
        packedReference(g: number): Parameters<typeof nativeRangeKernels.lzRange>[0];
      };
      const mml = a.params.minMatchLength;
      const rand = rng(5);
      let entries = 0;
      let textBytes = 0;
      let compactBytes = 0;
      // the LZ-coded segments of a few samples: (group, entry) with their lengths
      for (const s of (await a.samples()).slice(1, 3))
        for (const ctg of a.sampleLayout(s)!.contigs)
          for (let k = 0; k < ctg.groupId.length; k++) {
            const g = ctg.groupId[k];
            const id = ctg.inGroupId[k];
            if (g < 16 || id < 1 || k % 3 !== 0) continue;
            const n = ctg.rawLength[k];
            const ref = internals.packedReference(g);
            const text = textEntry(internals.archive, a, g, id - 1);
            const [compact, cps] = native.lzDiffCompact(text, mml, 256)!;
            expect(compact.length).toBeLessThanOrEqual(text.length);
            entries++;
            textBytes += text.length;
            compactBytes += compact.length;
            for (let i = 0; i < 12; i++) {
              const from = i === 0 ? 0 : Math.floor(rand() * n);
              const to = i === 0 ? n : Math.min(n, from + Math.floor(rand() * 3000));
              const rc = i % 2 === 1;
              const want = new Uint8Array(to - from);
              nativeRangeKernels.lzRange(ref, text, mml, n, from, to, want, 0, rc);
              for (const checkpoints of [undefined, cps.length > 2 ? cps : undefined, newCheckpoints(n)]) {
                const got = new Uint8Array(to - from);
                nativeRangeKernels.lzCompactRange!(ref, compact, mml, n, from, to, got, 0, rc, checkpoints);
                if (!Buffer.from(got).equals(want)) expect({ g, id, from, to, rc }).toEqual('the same letters');
              }
            }
          }
      expect(entries).toBeGreaterThan(20);
      // mostly runs of bases, four to a byte
      expect(compactBytes).toBeLessThan(textBytes / 2);
    } finally {
      a.close();
    }
  });

  it('make compact entries as specified, and refuse malformed text', () => {
    const compact = (t: string) => {
      const r = native.lzDiffCompact(Buffer.from(t, 'latin1'), 20, 1024);
      return r && [...r[0]];
    };
    // a run of 20 bases: marker, count, codes 0,1,2,3 per byte
    expect(compact('ABCD'.repeat(5))).toEqual([5, 20, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b]);
    // 17 bases: the last byte holds one code
    expect(compact('ABCD'.repeat(4) + 'D')).toEqual([5, 17, 0x1b, 0x1b, 0x1b, 0x1b, 3]);
    // short runs, other literals and '!' keep their bytes; small and large matches, to the end, N-runs
    expect(compact('AC!E0,156.-3,0.70,1.-70,2.5.-2.\x1e12\x04')).toEqual([
      0x41, 0x43, 0x21, 0x45, 0x80, 0x9c, 0x01, 0xc3, 0, 1, 70, 1, 2, 70, 2, 3, 5, 4, 2, 0x1e, 12,
    ]);
    for (const bad of ['0,', '12', '-', '0,12', 'A\x1e12', '\x1e\x04', '0,99999999999999.', 'A?']) expect(compact(bad), JSON.stringify(bad)).toBeUndefined();
  });

  it('make whole packs compact, entry by entry, and refuse a pack with a malformed entry', () => {
    const entries = ['ABCD'.repeat(5), 'C0,156.', '', '!!A-3,2.'];
    const text = Buffer.from(entries.map((e) => `${e}\xff`).join('') + 'tail', 'latin1');
    const dst = new Uint8Array(text.length);
    const ends = compactPack(text, dst, 20)!;
    const pack = new Pack(dst.subarray(0, ends[ends.length - 1]! + 1), ends);
    expect(pack.length).toBe(entries.length);
    entries.forEach((e, i) => expect([...pack.entry(i)], e).toEqual([...native.lzDiffCompact(Buffer.from(e, 'latin1'), 20, 1024)![0]]));
    expect(compactPack(Buffer.from('A\xff0,\xff', 'latin1'), new Uint8Array(16), 20)).toBeUndefined();
    expect(compactPack(new Uint8Array(0), new Uint8Array(0), 20)).toEqual(new Uint32Array(0));
  });

  it('report corrupt compact entries as AgcCorruptError, whatever the bytes', () => {
    const ref = { bytes: Uint8Array.from({ length: 64 }, (_, i) => i % 4), form: RefForm.CODES, length: 64 } as const;
    const text = Buffer.from('ABCDABCDABCDABCDABCDA!G0,10.\x1e3\x04-20,4.', 'latin1');
    const [good] = native.lzDiffCompact(text, 20, 1024)!;
    const n = 21 + 1 + 1 + 30 + 7 + 24;
    const want = new Uint8Array(n);
    nativeRangeKernels.lzRange(ref, text, 20, n, 0, n, want, 0, false);
    const got = new Uint8Array(n);
    nativeRangeKernels.lzCompactRange!(ref, good, 20, n, 0, n, got, 0, false);
    expect(Buffer.from(got).toString('latin1')).toBe(Buffer.from(want).toString('latin1'));
    const rand = rng(11);
    let thrown = 0;
    for (let i = 0; i < 2000; i++) {
      const bad = Uint8Array.from(good);
      if (i % 4 === 0) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      const enc = i % 4 === 0 ? bad : bad.subarray(0, Math.floor(rand() * bad.length));
      try {
        nativeRangeKernels.lzCompactRange!(ref, enc, 20, n, 0, n, got, 0, i % 2 === 0);
      } catch (e) {
        expect(e).toBeInstanceOf(AgcCorruptError);
        thrown++;
      }
    }
    expect(thrown).toBeGreaterThan(1000);
  });

  it('report corrupt entries as AgcCorruptError', () => {
    const ref = Uint8Array.from([0, 1, 2, 3, 0, 1, 2, 3]);
    const dst = new Uint8Array(16);
    expect(() => nativeRangeKernels.lzRange({ bytes: ref, form: RefForm.CODES, length: 8 }, Buffer.from('20,0.'), 20, 16, 0, 16, dst, 0, false)).toThrow(
      AgcCorruptError,
    );
    expect(() => nativeRangeKernels.lzRange({ bytes: ref, form: RefForm.CODES, length: 8 }, Buffer.from('AC'), 20, 3, 0, 3, dst, 0, false)).toThrow(
      AgcCorruptError,
    );
    expect(() => nativeRangeKernels.refRange(Uint8Array.from([1, 0x55]), RefForm.TUPLES, 0, 1, dst, 0, false)).toThrow(AgcCorruptError);
  });
});

/** Entry e of group g's pack as stored (text), read from the archive. */
function textEntry(
  archive: { streamNames(): string[]; getPart(sid: number, p: number): { data: Uint8Array; metadata: number } },
  a: AgcArchive,
  g: number,
  e: number,
): Uint8Array {
  const P = a.params.packCardinality;
  const sid = archive.streamNames().indexOf(groupStreamNames(g).delta);
  const part = archive.getPart(sid, Math.floor(e / P));
  return new Pack(packBytes(part.data, part.metadata, zstdDecompress)).entry(e % P);
}

describe('native range kernels survive misuse', () => {
  const tables = new Uint8Array(512);
  tables.set(CODE_TO_LETTER.subarray(0, 256));
  tables.set(LETTER_COMPLEMENT.subarray(0, 256), 256);
  const ref = Uint8Array.from([0, 1, 2, 3]);
  const enc = Buffer.from('ACGT');
  const input = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return 'nothing thrown';
  };
  it('check every argument', () => {
    const dst = new Uint8Array(8);
    const bad: [string, () => unknown][] = [
      ['ref not bytes', () => native.refRangeLetters([0, 1] as unknown as Uint8Array, 0, 0, 1, dst, 0, false, tables)],
      ['form', () => native.refRangeLetters(ref, 2, 0, 1, dst, 0, false, tables)],
      ['range past the reference', () => native.refRangeLetters(ref, 0, 2, 3, dst, 0, false, tables)],
      ['dst too small', () => native.refRangeLetters(ref, 0, 0, 4, dst, 6, false, tables)],
      ['dst overlaps ref', () => native.refRangeLetters(ref, 0, 0, 4, ref, 0, false, tables)],
      ['tables size', () => native.refRangeLetters(ref, 0, 0, 4, dst, 0, false, new Uint8Array(10))],
      ['rc not boolean', () => native.refRangeLetters(ref, 0, 0, 4, dst, 0, 1 as unknown as boolean, tables)],
      ['lz from > to', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 3, 2, dst, 0, false, tables)],
      ['lz to > n', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 0, 5, dst, 0, false, tables)],
      ['lz negative offset', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 0, 4, dst, -1, false, tables)],
      ['checkpoints type', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 0, 4, dst, 0, false, tables, new Int32Array(8) as unknown as Uint32Array)],
      ['checkpoints too small', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 0, 4, dst, 0, false, tables, new Uint32Array(3))],
      ['checkpoints header', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 0, 4, dst, 0, false, tables, Uint32Array.from([9, 1, 0, 0, 0]))],
      ['checkpoint outside', () => native.lzDecodeRange(ref, 0, enc, 20, 4, 3, 4, dst, 0, false, tables, Uint32Array.from([1, 1, 99, 1, 1]))],
      ['zstd dst overlaps', () => native.zstdDecompressInto(dst, dst)],
      ['prefetch jobs', () => native.prefetchArchive('x', 4, new Float64Array(4), new Uint8Array(8), new Int32Array(4), new Float64Array(0), 20, 1024)],
      [
        'prefetch job outside',
        () => native.prefetchArchive('x', 4, Float64Array.from([2, 9, 1]), new Uint8Array(8), new Int32Array(11), new Float64Array(1), 20, 1024),
      ],
      ['compact dst short', () => native.compactPack(Buffer.from('A\xff', 'latin1'), new Uint8Array(1), 20)],
      ['compact dst overlaps', () => native.compactPack(dst, dst, 20)],
      ['compact not bytes', () => native.lzDiffCompact('AC' as unknown as Uint8Array, 20, 1024)],
    ];
    for (const [what, f] of bad) expect(input(f), what).toBe(AgcErrorCode.INPUT);
    // valid calls still work afterwards
    native.refRangeLetters(ref, 0, 1, 3, dst, 0, true, tables);
    expect(Buffer.from(dst.subarray(0, 3)).toString('latin1')).toBe('CGT'); // of ACGT: reverse complement ACGT, from 1
    native.lzDecodeRange(ref, 0, enc, 20, 4, 1, 3, dst, 0, false, tables);
    expect(Buffer.from(dst.subarray(0, 2)).toString('latin1')).toBe('GY'); // literal bytes are 'A' + code: C is code 2 (G), G is code 6 (Y)
  });

  it('zstdDecompressInto fills exactly its destination', () => {
    const src = Buffer.alloc(3000, 7);
    const frame = zstdCompress(src, 3);
    const out = new Uint8Array(3000);
    expect(native.zstdDecompressInto(frame, out)).toBe(3000);
    expect(Buffer.from(out).equals(src)).toBe(true);
    expect(input(() => native.zstdDecompressInto(frame, new Uint8Array(2999)))).toBe(AgcErrorCode.CORRUPT);
  });

  it('prefetching a file that is gone leaves the work to the queries', async () => {
    const words = new Int32Array(new SharedArrayBuffer(4 * 11));
    const done = native.prefetchArchive(
      '/nonexistent/archive.agc',
      100,
      Float64Array.from([0, 50, 1]),
      new Uint8Array(64),
      words,
      new Float64Array(1),
      20,
      1024,
    );
    expect(await done).toBe(0);
    expect(words[4]).toBe(0);
  });
});

describe('prefetch decodes in the background', () => {
  const c = pick('klebsiella-8-default');
  const src = sourceSequences(c);

  it('answers from the background work, before and after it is done', async () => {
    const a = await AgcArchive.open(archivePath(c), { prefetch: true });
    try {
      await checkRanges(a, src, 3, 3);
      await a.backgroundSettled();
      expect(a.loadIntoMemory(0)).toBe(true);
      await checkRanges(a, src, 4, 3);
    } finally {
      a.close();
    }
  });

  it('close while the background runs: no crash, reads report AGC_CLOSED', async () => {
    for (let i = 0; i < 3; i++) {
      const a = await AgcArchive.open(archivePath(c), { prefetch: true });
      const work = (a as unknown as { background: { done: Promise<number> } }).background.done;
      if (i > 0) await checkRanges(a, src, i, 1);
      a.close();
      expect(await work).toBeGreaterThanOrEqual(0);
      await expect(a.getSequence({ sample: 'x', contig: 'x' })).rejects.toSatisfy((e: unknown) => e instanceof AgcError && e.code === AgcErrorCode.CLOSED);
    }
  });

  it('a worker thread that ends while its background decoding runs takes nothing down', async () => {
    const reader = new URL('../lib/read/agc-archive.ts', import.meta.url).href;
    await terminateMidJob(
      `
        const { AgcArchive } = await import(${JSON.stringify(reader)});
        const a = await AgcArchive.open(${JSON.stringify(archivePath(c))}, { prefetch: true });
        const s = (await a.samples())[1];
        const ctg = (await a.contigs(s))[0];
        parentPort.postMessage('open');
        for (;;) await a.getSequence({ sample: s, contig: ctg, start: 0, end: 100 });`,
      3,
      5,
    );
    // and this thread's reader still works
    const a = await AgcArchive.open(archivePath(c), { prefetch: true });
    try {
      await checkRanges(a, src, 6, 1);
    } finally {
      a.close();
    }
  });

  it('a budget too small for the decoded parts still reads correctly', async () => {
    const a = await AgcArchive.open(archivePath(c), { prefetch: true, cacheBytes: 1 << 20 });
    try {
      await a.backgroundSettled();
      await checkRanges(a, src, 5, 2);
    } finally {
      a.close();
    }
    await expect(AgcArchive.open(archivePath(c), { prefetch: 'yes' as unknown as boolean })).rejects.toThrow(AgcInputError);
  });
});
