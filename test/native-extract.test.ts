// Whole contigs decoded to FASTA records in the addon (read/native-extract.ts over the native
// Extractor): the records equal the reader's own formatting and the golden extracts; misuse of the
// native class (wrong arguments, closed archive or extractor, a worker thread ending mid-job)
// throws or rejects with a JS error and never crashes.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { NativeExtractor, contigPieces, endsContig } from '../lib/read/native-extract.js';
import { LETTER_TABLES } from '../lib/read/range-kernels.js';
import { native } from '../lib/native/load.js';
import { AgcCorruptError, AgcError, AgcErrorCode } from '../lib/errors.js';
import { CppArchive } from '../lib/native/cpp-archive.js';
import { archivePath, caseDir, cases, goldenSha } from './shared-data.js';
import { terminateMidJob } from './helpers/terminate-mid-job.js';

const sa = cases.find((c) => c.id === 'saureus-6-default')!;
const tiny = cases.find((c) => c.id === 'mers-tiny-default')!;
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

async function extractAll(ex: NativeExtractor, contigs: Parameters<NativeExtractor['batch']>[0], lineLength: number): Promise<Buffer> {
  const b = ex.batch(contigs);
  const dst = Buffer.alloc(ex.size(b, lineLength) + 3, 0x2a);
  const n = await ex.extract(b, lineLength, dst, 3);
  expect(n).toBe(dst.length - 3);
  expect(dst.subarray(0, 3).toString()).toBe('***');
  return dst.subarray(3);
}

const isCode = (code: string) => (e: unknown) => e instanceof Error && (e as { code?: string }).code === code;

/** A job raced by a close: it failed with AGC_CLOSED, or it finished first and wrote `expected`. */
async function expectClosedOrRight(job: Promise<unknown>, out: Uint8Array, expected: Uint8Array): Promise<void> {
  const ended = await job.then(
    () => 'done',
    (e: unknown) => (isCode('AGC_CLOSED')(e) ? 'closed' : e),
  );
  if (ended === 'done') expect(Buffer.from(out).equals(Buffer.from(expected))).toBe(true);
  else expect(ended).toBe('closed');
}

describe('NativeExtractor', () => {
  it('writes every sample of saureus-6 as the golden getset, in any line length as the reader formats it', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    const ex = new NativeExtractor(a.extractionSource());
    try {
      for (const s of a.samplesSync()) {
        const contigs = a.sampleLayout(s)!.contigs;
        expect(sha256(await extractAll(ex, contigs, 80))).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
      }
      // odd line lengths against formatRecordInto, contig by contig
      const contigs = a.sampleLayout(a.samplesSync()[1])!.contigs;
      for (const L of [1, 61, 1 << 20]) {
        const got = await extractAll(ex, contigs, L);
        let at = 0;
        for (const c of contigs) {
          const want = Buffer.alloc(c.name.length + 2 + c.length + Math.ceil(c.length / L));
          const end = a.formatRecordInto(c, c.name, 0, c.length, L, want, 0);
          expect(got.subarray(at, at + end).equals(want.subarray(0, end))).toBe(true);
          at += end;
        }
        expect(at).toBe(got.length);
      }
      expect(ex.cachedBytes).toBeGreaterThan(0);
    } finally {
      ex.close();
    }
    expect(ex.cachedBytes).toBe(0);
  });

  it('contigs cut into pieces (any size) give the same text as whole records', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    const ex = new NativeExtractor(a.extractionSource());
    try {
      const contigs = a.sampleLayout(a.samplesSync()[2])!.contigs;
      const whole = await extractAll(ex, contigs, 61);
      for (const max of [1, 50_000, 1 << 20]) {
        const pieces = contigs.flatMap((c) => contigPieces(c, max));
        if (max === 1) expect(pieces.length).toBe(contigs.reduce((n, c) => n + c.rawLength.length, 0));
        expect(pieces.filter(endsContig).length).toBe(contigs.length);
        // one batch, and one batch per piece
        expect((await extractAll(ex, pieces, 61)).equals(whole)).toBe(true);
        const parts: Buffer[] = [];
        for (const p of pieces) parts.push(await extractAll(ex, [p], 61));
        expect(Buffer.concat(parts).equals(whole)).toBe(true);
      }
    } finally {
      ex.close();
    }
  });

  it('with pack prefixes (one sample at a time) every sample gives the golden getset, whole or piece by piece', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    for (const s of a.samplesSync()) {
      // a fresh extractor per sample, as getset of one sample; budgets that keep every part and
      // a few, and two jobs at a time that ask for entries of the same packs
      for (const budget of [512 << 20, 1 << 20]) {
        const ex = new NativeExtractor(a.extractionSource(), budget, 2, true);
        try {
          const contigs = a.sampleLayout(s)!.contigs;
          const want = goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`));
          expect(sha256(await extractAll(ex, contigs, 80)), s).toBe(want);
          const pieces = contigs.flatMap((c) => contigPieces(c, 100_000));
          const parts = await Promise.all(pieces.map((p) => extractAll(ex, [p], 80)));
          expect(sha256(Buffer.concat(parts)), s).toBe(want);
        } finally {
          ex.close();
        }
      }
    }
    // all the samples through one extractor with prefixes: packs decoded further as later entries are asked for
    const ex = new NativeExtractor(a.extractionSource(), undefined, 0, true);
    try {
      for (const s of [...a.samplesSync()].reverse().concat(a.samplesSync())) {
        const contigs = a.sampleLayout(s)!.contigs;
        expect(sha256(await extractAll(ex, contigs, 80)), s).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
      }
    } finally {
      ex.close();
    }
  });

  it('a cache budget far too small still gives the same records', async () => {
    using a = AgcArchive.openSync(archivePath(tiny));
    const big = new NativeExtractor(a.extractionSource());
    const small = new NativeExtractor(a.extractionSource(), 1);
    try {
      for (const s of a.samplesSync()) {
        const contigs = a.sampleLayout(s)!.contigs;
        expect((await extractAll(small, contigs, 70)).equals(await extractAll(big, contigs, 70))).toBe(true);
      }
    } finally {
      big.close();
      small.close();
    }
  });

  it('within a budget of a few parts, decodes reuse the storage of dropped parts and give the golden records', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    const budget = 1 << 20;
    const ex = new NativeExtractor(a.extractionSource(), budget);
    try {
      // twice over: the second pass decodes every part again, into storage that held others
      for (let pass = 0; pass < 2; pass++)
        for (const s of a.samplesSync()) {
          const contigs = a.sampleLayout(s)!.contigs;
          expect(sha256(await extractAll(ex, contigs, 80))).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
          expect(ex.cachedBytes).toBeGreaterThan(0);
          expect(ex.cachedBytes).toBeLessThanOrEqual(budget);
        }
    } finally {
      ex.close();
    }
  });

  it('with a concurrency limit, jobs queued at once all give the same records as without', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    const free = new NativeExtractor(a.extractionSource());
    const one = new NativeExtractor(a.extractionSource(), undefined, 1);
    const two = new NativeExtractor(a.extractionSource(), undefined, 2);
    try {
      const samples = a.samplesSync();
      const want = await Promise.all(samples.map((s) => extractAll(free, a.sampleLayout(s)!.contigs, 80)));
      // (the gate decides when a job starts; when its result arrives is up to the pool)
      for (const ex of [one, two]) {
        const pieces = samples.flatMap((s) => a.sampleLayout(s)!.contigs.flatMap((c) => contigPieces(c, 200_000)));
        const got = await Promise.all([...samples.map((s) => extractAll(ex, a.sampleLayout(s)!.contigs, 80)), ...pieces.map((p) => extractAll(ex, [p], 80))]);
        got.slice(0, samples.length).forEach((g, i) => expect(g.equals(want[i]), samples[i]).toBe(true));
        expect(Buffer.concat(got.slice(samples.length)).equals(Buffer.concat(want))).toBe(true);
      }
    } finally {
      free.close();
      one.close();
      two.close();
    }
  });

  it('closing an extractor whose jobs wait for their turn: each is right or AGC_CLOSED, none hangs', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    const free = new NativeExtractor(a.extractionSource());
    const one = new NativeExtractor(a.extractionSource(), undefined, 1);
    try {
      const contigs = a.sampleLayout(a.samplesSync()[2])!.contigs;
      const want = await extractAll(free, contigs, 80);
      const b = one.batch(contigs);
      const outs = Array.from({ length: 6 }, () => new Uint8Array(one.size(b, 80)));
      const jobs = outs.map((o) => one.extract(b, 80, o));
      one.close();
      await Promise.all(jobs.map((job, i) => expectClosedOrRight(job, outs[i], want)));
    } finally {
      free.close();
      one.close();
    }
  });

  it('corrupt data rejects with AgcCorruptError naming the archive, the group and the segment', async () => {
    using a = AgcArchive.openSync(archivePath(tiny));
    const ex = new NativeExtractor(a.extractionSource());
    try {
      const c = a.sampleLayout(a.samplesSync()[0])!.contigs[0];
      const b = ex.batch([c]);
      b.segs[2] += 1; // a raw length that is not the stored one
      const dst = new Uint8Array(ex.size(b, 80));
      const err = await ex.extract(b, 80, dst).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgcCorruptError);
      expect((err as Error).message).toMatch(
        new RegExp(`^${archivePath(tiny).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: corrupted archive: group \\d+, segment \\d+: `),
      );
    } finally {
      ex.close();
    }
  });
});

describe('native Extractor misuse', () => {
  // every segment a piece of its own: a job checks for close() before each piece
  const batchOf = (a: AgcArchive) => {
    const ex = new NativeExtractor(a.extractionSource());
    const b = ex.batch(a.sampleLayout(a.samplesSync()[0])!.contigs.flatMap((c) => contigPieces(c, 1)));
    ex.close();
    return b;
  };

  it('wrong argument types and inconsistent batches throw AGC_INPUT errors', async () => {
    using a = AgcArchive.openSync(archivePath(tiny));
    using raw = CppArchive.open(archivePath(tiny));
    const b = batchOf(a);
    expect(() => new native.Extractor({} as never, 21, 20, 50, 1 << 20, LETTER_TABLES)).toThrow(TypeError);
    expect(() => new native.Extractor(raw.native, 21, 20, 0, 1 << 20, LETTER_TABLES)).toThrow(RangeError);
    expect(() => new native.Extractor(raw.native, 21, 20, 50, 1 << 20, new Uint8Array(10))).toThrow(RangeError);
    expect(() => new native.Extractor(raw.native, -1, 20, 50, 1 << 20, LETTER_TABLES)).toThrow(TypeError);
    expect(() => new native.Extractor(raw.native, 21, 20, 50, 1 << 20, LETTER_TABLES, -1)).toThrow(TypeError);
    expect(() => new native.Extractor(raw.native, 21, 20, 50, 1 << 20, LETTER_TABLES, 'x' as never)).toThrow(TypeError);
    expect(() => new native.Extractor(raw.native, 21, 20, 50, 1 << 20, LETTER_TABLES, 1, 1 as never)).toThrow(TypeError);
    const ex = new native.Extractor(raw.native, a.params.kmerLength, a.params.minMatchLength, a.params.packCardinality, 1 << 20, LETTER_TABLES);
    try {
      const size = ex.size(b.segs, b.items, b.headers, b.headerEnds, 80);
      const dst = new Uint8Array(size);
      const calls: [string, () => unknown][] = [
        ['segs not a Uint32Array', () => ex.extract(new Int32Array(b.segs) as never, b.items, b.headers, b.headerEnds, 80, dst, 0)],
        ['items not a Float64Array', () => ex.size(b.segs, new Uint32Array(b.items) as never, b.headers, b.headerEnds, 80)],
        ['items not 3 numbers each', () => ex.size(b.segs, b.items.subarray(1), b.headers, b.headerEnds, 80)],
        [
          'flags out of range',
          () =>
            ex.size(
              b.segs,
              b.items.map((v, i) => (i % 3 === 2 ? 4 : v)),
              b.headers,
              b.headerEnds,
              80,
            ),
        ],
        [
          'a negative position',
          () =>
            ex.size(
              b.segs,
              b.items.map((v, i) => (i % 3 === 1 ? -1 : v)),
              b.headers,
              b.headerEnds,
              80,
            ),
        ],
        ['segs not 6 words each', () => ex.extract(b.segs.subarray(1), b.items, b.headers, b.headerEnds, 80, dst, 0)],
        [
          'segment counts beyond segs',
          () =>
            ex.extract(
              b.segs,
              b.items.map((v, i) => (i % 3 === 0 ? v + 1 : v)),
              b.headers,
              b.headerEnds,
              80,
              dst,
              0,
            ),
        ],
        [
          'segment counts short of segs',
          () =>
            ex.size(
              b.segs,
              b.items.map((v, i) => (i % 3 === 0 ? 0 : v)),
              b.headers,
              b.headerEnds,
              80,
            ),
        ],
        ['headerEnds past headers', () => ex.size(b.segs, b.items, b.headers.subarray(1), b.headerEnds, 80)],
        ['headerEnds of another length', () => ex.size(b.segs, b.items, b.headers, b.headerEnds.subarray(1), 80)],
        ['line length 0', () => ex.size(b.segs, b.items, b.headers, b.headerEnds, 0)],
        ['dst too small', () => ex.extract(b.segs, b.items, b.headers, b.headerEnds, 80, dst.subarray(1), 0)],
        ['dstOffset past room', () => ex.extract(b.segs, b.items, b.headers, b.headerEnds, 80, dst, 1)],
        ['dst not bytes', () => ex.extract(b.segs, b.items, b.headers, b.headerEnds, 80, 'x' as never, 0)],
      ];
      for (const [what, call] of calls) expect(call, what).toThrow(expect.objectContaining({ code: 'AGC_INPUT' }));
      // a stream id that the archive does not have: the job rejects, the process lives
      const bad = Uint32Array.from(b.segs);
      for (let q = 0; q < bad.length; q += 6) bad[q + 5] = bad[q + 4] = 99999;
      await expect(ex.extract(bad, b.items, b.headers, b.headerEnds, 80, dst, 0)).rejects.toSatisfy(isCode('AGC_INPUT'));
    } finally {
      ex.close();
    }
  });

  it('a closed archive or extractor: AGC_CLOSED, also for jobs that were running', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    const b = batchOf(a);
    const raw = CppArchive.open(archivePath(sa));
    const args = [a.params.kmerLength, a.params.minMatchLength, a.params.packCardinality, 1 << 30, LETTER_TABLES] as const;
    // the right bytes, from an extractor left alone
    let ex = new native.Extractor(raw.native, ...args);
    const dst = new Uint8Array(ex.size(b.segs, b.items, b.headers, b.headerEnds, 80));
    await ex.extract(b.segs, b.items, b.headers, b.headerEnds, 80, dst, 0);
    ex.close();
    // the extractor closed while its job runs: the job stops with AGC_CLOSED at its next segment,
    // unless the pool thread finished it before the close (a loaded machine's timing)
    ex = new native.Extractor(raw.native, ...args);
    const racing = new Uint8Array(dst.length);
    const running = ex.extract(b.segs, b.items, b.headers, b.headerEnds, 80, racing, 0);
    ex.close();
    ex.close(); // idempotent
    await expectClosedOrRight(running, racing, dst);
    expect(() => ex.size(b.segs, b.items, b.headers, b.headerEnds, 80)).toThrow(expect.objectContaining({ code: 'AGC_CLOSED' }));
    expect(() => ex.cachedBytes()).toThrow(expect.objectContaining({ code: 'AGC_CLOSED' }));
    expect(ex.isOpen()).toBe(false);
    // the archive closed before a job runs: it fails at the first part it has to read
    ex = new native.Extractor(raw.native, ...args);
    const raw2 = CppArchive.open(archivePath(sa));
    const ex2 = new native.Extractor(raw2.native, ...args);
    raw2.close();
    await expect(ex2.extract(b.segs, b.items, b.headers, b.headerEnds, 80, new Uint8Array(dst.length), 0)).rejects.toSatisfy(isCode('AGC_CLOSED'));
    ex2.close();
    // ... and while it runs: it either read every part before the close (and wrote the right
    // bytes) or fails with AGC_CLOSED; which one depends on the pool thread's timing
    const whole = new Uint8Array(dst.length);
    const second = ex.extract(b.segs, b.items, b.headers, b.headerEnds, 80, whole, 0);
    raw.close();
    await expectClosedOrRight(second, whole, dst);
    ex.close();
    // a closed archive from the start
    expect(() => new native.Extractor(raw.native, ...args)).toThrow(expect.objectContaining({ code: 'AGC_CLOSED' }));
    expect(() => a.extractionSource()).not.toThrow();
    a.close();
    expect(() => a.extractionSource()).toThrow(AgcError);
    expect(() => a.extractionSource()).toThrow(expect.objectContaining({ code: AgcErrorCode.CLOSED }));
  });

  it('a worker thread that ends while its extraction runs takes nothing down', async () => {
    const reader = new URL('../lib/read/agc-archive.ts', import.meta.url).href;
    const extractor = new URL('../lib/read/native-extract.ts', import.meta.url).href;
    await terminateMidJob(
      `
        const { AgcArchive } = await import(${JSON.stringify(reader)});
        const { NativeExtractor } = await import(${JSON.stringify(extractor)});
        const a = AgcArchive.openSync(${JSON.stringify(archivePath(sa))});
        const ex = new NativeExtractor(a.extractionSource());
        const batches = a.samplesSync().map((s) => ex.batch(a.sampleLayout(s).contigs));
        parentPort.postMessage('open');
        for (;;) await Promise.all(batches.map((b) => ex.extract(b, 80, new Uint8Array(ex.size(b, 80)))));`,
      2,
      7,
    );
    // and this thread still extracts
    using a = AgcArchive.openSync(archivePath(tiny));
    const ex = new NativeExtractor(a.extractionSource());
    try {
      const s = a.samplesSync()[0];
      const got = await extractAll(ex, a.sampleLayout(s)!.contigs, 80);
      expect(sha256(got)).toBe(goldenSha(path.join(caseDir(tiny), 'getset', `${s}.fa.sha256`)));
    } finally {
      ex.close();
    }
    expect(fs.existsSync(archivePath(tiny))).toBe(true);
  });
});
