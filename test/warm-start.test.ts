// The addon's WarmStart (native/warm_start.cc): one sample's parts decoded ahead on a pool thread,
// taken over by the Extractor of the same file. The records are the same with and without it; it
// is taken over only from the same file with the same pack mode; bad input leaves it silent and
// empty; misuse throws, and a worker thread ending while it runs takes nothing down.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { NativeExtractor } from '../lib/read/native-extract.js';
import { LETTER_TABLES } from '../lib/read/range-kernels.js';
import { native } from '../lib/native/load.js';
import { CppArchive } from '../lib/native/cpp-archive.js';
import { archivePath, caseDir, cases, goldenSha } from './shared-data.js';
import { terminateMidJob } from './helpers/terminate-mid-job.js';
import { isGroupStream, writeGarbledParts } from './helpers/garble-parts.js';
import type { WarmStart } from '../binding.js';

const sa = cases.find((c) => c.id === 'saureus-6-default')!;
const tiny = cases.find((c) => c.id === 'mers-tiny-default')!;
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-warm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const warmStart = (file: string, sample: string): WarmStart => new native.WarmStart(file, Buffer.from(sample, 'utf8'));

/** Waits until the warm start has decoded something (bounded: the test fails if it never does). */
async function decodedSome(w: WarmStart): Promise<number> {
  for (let i = 0; i < 500 && w.cachedBytes() === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return w.cachedBytes();
}

/** Every contig of `sample` in lines of 80, through `ex`. */
async function records(a: AgcArchive, ex: NativeExtractor, sample: string): Promise<Buffer> {
  const b = ex.batch(a.sampleLayout(sample)!.contigs);
  const dst = Buffer.alloc(ex.size(b, 80));
  expect(await ex.extract(b, 80, dst)).toBe(dst.length);
  return dst;
}

describe('WarmStart', () => {
  it('an extractor of the same file takes its parts over, and every sample still gives the golden getset', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    for (const s of a.samplesSync()) {
      const w = warmStart(archivePath(sa), s);
      const ahead = await decodedSome(w);
      expect(ahead, s).toBeGreaterThan(0);
      const ex = new NativeExtractor(a.extractionSource(), 8 << 20, 2, true, w);
      try {
        expect(w.isOpen()).toBe(false);
        expect(w.cachedBytes()).toBe(0);
        // (the job may have decoded another part between the two reads)
        expect(ex.cachedBytes).toBeGreaterThanOrEqual(ahead);
        expect(sha256(await records(a, ex, s)), s).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
      } finally {
        ex.close();
      }
    }
  });

  it('a copy of the file under another name is the same file; another archive or pack mode is not', async () => {
    const copy = path.join(tmp, 'copy.agc');
    fs.copyFileSync(archivePath(sa), copy);
    using a = AgcArchive.openSync(archivePath(sa));
    using t = AgcArchive.openSync(archivePath(tiny));
    const s = a.samplesSync()[1];
    const want = goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`));
    const cases: [string, AgcArchive, boolean, boolean][] = [
      // path of the warm start, archive and pack mode of the extractor, taken over
      [copy, a, true, true],
      [archivePath(sa), t, true, false],
      [archivePath(sa), a, false, false],
    ];
    for (const [file, archive, prefixes, taken] of cases) {
      const w = warmStart(file, s);
      expect(await decodedSome(w)).toBeGreaterThan(0);
      const ex = new NativeExtractor(archive.extractionSource(), 8 << 20, 1, prefixes, w);
      try {
        expect(w.isOpen()).toBe(false);
        expect(ex.cachedBytes > 0, `${file} ${archive.path} ${prefixes}`).toBe(taken);
        if (archive === a) expect(sha256(await records(a, ex, s))).toBe(want);
      } finally {
        ex.close();
      }
    }
    // closed before an extractor asks: nothing to take
    const w = warmStart(archivePath(sa), s);
    expect(await decodedSome(w)).toBeGreaterThan(0);
    w.close();
    w.close();
    expect(w.cachedBytes()).toBe(0);
    const ex = new NativeExtractor(a.extractionSource(), 8 << 20, 1, true, w);
    expect(ex.cachedBytes).toBe(0);
    expect(sha256(await records(a, ex, s))).toBe(want);
    ex.close();
  });

  it('a missing file, a file that is not an archive, a truncated or corrupt one, an unknown sample: silent, nothing decoded', async () => {
    const notAgc = path.join(tmp, 'not.agc');
    fs.writeFileSync(notAgc, Buffer.alloc(3000, 7));
    const trunc = path.join(tmp, 'trunc.agc');
    fs.writeFileSync(trunc, fs.readFileSync(archivePath(sa)).subarray(0, 9000));
    // every reference and pack garbled: the job stops at the first, the extractor reports it
    const garbled = path.join(tmp, 'garbled.agc');
    writeGarbledParts(archivePath(sa), garbled, isGroupStream);
    const sample = 'N315';
    const started = [
      warmStart(path.join(tmp, 'missing.agc'), sample),
      warmStart(notAgc, sample),
      warmStart(trunc, sample),
      warmStart(garbled, sample),
      warmStart(archivePath(sa), 'no such sample'),
      warmStart(archivePath(sa), ''),
      warmStart(tmp, sample),
    ];
    // the one that can decode shows when the others have had their time
    const good = warmStart(archivePath(sa), sample);
    expect(await decodedSome(good)).toBeGreaterThan(0);
    good.close();
    await new Promise((r) => setTimeout(r, 50));
    for (const w of started) {
      expect(w.isOpen()).toBe(true);
      expect(w.cachedBytes()).toBe(0);
    }
    // the garbled archive's extractor takes nothing over and reports the corrupt part itself
    using g = AgcArchive.openSync(garbled);
    const ex = new NativeExtractor(g.extractionSource(), 8 << 20, 1, true, started[3]);
    expect(ex.cachedBytes).toBe(0);
    await expect(records(g, ex, sample)).rejects.toThrow(/corrupted archive/);
    ex.close();
    for (const w of started) w.close();
  });

  it('asked for the whole text, it gives the golden getset of every sample, and undefined for anything it cannot make', async () => {
    using a = AgcArchive.openSync(archivePath(sa));
    for (const s of a.samplesSync()) {
      const w = new native.WarmStart(archivePath(sa), Buffer.from(s, 'utf8'), 64_000_000);
      const text = await w.fasta;
      w.close();
      expect(text, s).toBeInstanceOf(Buffer);
      expect(sha256(text!), s).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s}.fa.sha256`)));
    }
    // a sample longer than asked for, and without asking: nothing
    const s0 = a.samplesSync()[0];
    const n0 = a.sampleLayout(s0)!.contigs.reduce((n, c) => n + c.length, 0);
    expect(await new native.WarmStart(archivePath(sa), Buffer.from(s0), n0 - 1).fasta).toBeUndefined();
    expect(await new native.WarmStart(archivePath(sa), Buffer.from(s0), n0).fasta).toBeInstanceOf(Buffer);
    expect(await warmStart(archivePath(sa), s0).fasta).toBeUndefined();
    // format 2 by its file_type_info (else readable), no such sample or file, a corrupt part
    const v2 = path.join(tmp, 'whole-v2.agc');
    const bytes = Buffer.from(fs.readFileSync(archivePath(sa)));
    bytes[bytes.indexOf('file_version_major\x003\x00', 0, 'latin1') + 19] = 0x32;
    fs.writeFileSync(v2, bytes);
    const garbled = path.join(tmp, 'whole-garbled.agc');
    writeGarbledParts(archivePath(sa), garbled, (name, part) => isGroupStream(name) && part === 0);
    for (const [file, sample] of [
      [v2, s0],
      [archivePath(sa), 'nope'],
      [path.join(tmp, 'missing.agc'), s0],
      [garbled, s0],
    ]) {
      const w = new native.WarmStart(file, Buffer.from(sample), 64_000_000);
      expect(await w.fasta, `${file} ${sample}`).toBeUndefined();
      w.close();
    }
    // closed at once: it stops, and settles all the same
    const w = new native.WarmStart(archivePath(sa), Buffer.from(s0), 64_000_000);
    w.close();
    const text = await w.fasta;
    if (text !== undefined) expect(sha256(text)).toBe(goldenSha(path.join(caseDir(sa), 'getset', `${s0}.fa.sha256`)));
    expect(() => new native.WarmStart(archivePath(sa), Buffer.from(s0), -1)).toThrow(expect.objectContaining({ code: 'AGC_INPUT' }));
    expect(() => new native.WarmStart(archivePath(sa), Buffer.from(s0), 'x' as never)).toThrow(TypeError);
  });

  it('misuse throws AGC_INPUT errors; an extractor given something else than a WarmStart too', () => {
    expect(() => new native.WarmStart(1 as never, Buffer.from('x'))).toThrow(TypeError);
    expect(() => new native.WarmStart('', Buffer.from('x'))).toThrow(TypeError);
    expect(() => new native.WarmStart(archivePath(tiny), 'x' as never)).toThrow(TypeError);
    expect(() => new native.WarmStart(archivePath(tiny), 'x' as never)).toThrow(expect.objectContaining({ code: 'AGC_INPUT' }));
    using raw = CppArchive.open(archivePath(tiny));
    const args = [21, 20, 50, 1 << 20, LETTER_TABLES, 1, true] as const;
    expect(() => new native.Extractor(raw.native, ...args, {} as never)).toThrow(TypeError);
    expect(() => new native.Extractor(raw.native, ...args, raw.native as never)).toThrow(expect.objectContaining({ code: 'AGC_INPUT' }));
    // undefined: none
    new native.Extractor(raw.native, ...args, undefined).close();
  });

  it('a worker thread that ends while its warm start decodes takes nothing down', async () => {
    const load = new URL('../lib/native/load.ts', import.meta.url).href;
    await terminateMidJob(
      `
        const { native } = await import(${JSON.stringify(load)});
        const sample = Buffer.from('N315');
        new native.WarmStart(${JSON.stringify(archivePath(sa))}, sample);
        parentPort.postMessage('open');
        for (let i = 0; ; i++) {
          // (every other one makes the whole text, on two jobs)
          new native.WarmStart(${JSON.stringify(archivePath(sa))}, sample, i % 2 ? 64000000 : undefined);
          await new Promise((r) => setTimeout(r, 1));
        }`,
      3,
      3,
    );
    const w = warmStart(archivePath(sa), 'N315');
    expect(await decodedSome(w)).toBeGreaterThan(0);
    w.close();
  });
});
