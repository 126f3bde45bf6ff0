// The GMOD-style calls (getSequence(name, start, end, opts), getSequenceNames/Sizes/Size,
// hasReferenceSequence), AbortSignal and event-loop pacing, on both readers (native AgcArchive and
// the pure-TypeScript RemoteAgcArchive), against the source FASTA of a golden archive.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { AgcAbortError, AgcErrorCode, AgcInputError } from '../lib/errors.js';
import type { AgcReader } from '../lib/web/reader-api.js';
import { archivePath, cases, sourceSequences } from './shared-data.js';

const c = cases.find((x) => x.id === 'saureus-6-default')!;
const shortOf = (n: string) => n.split(/[ \t]/)[0];
const longest = (m: Map<string, string>) => [...m].reduce((x, y) => (y[1].length > x[1].length ? y : x));

// open(cacheBytes): no cache makes every range go through the range decoders.
const readers: [string, (cacheBytes?: number) => Promise<AgcReader>][] = [
  ['AgcArchive', (cacheBytes = 0) => AgcArchive.open(archivePath(c), { cacheBytes })],
  ['RemoteAgcArchive', (cacheBytes = 0) => AgcArchive.open(new Uint8Array(fs.readFileSync(archivePath(c))), { cacheBytes })],
];

describe.each(readers)('GMOD-style API on %s', (_name, open) => {
  let a: AgcReader;
  let src: Map<string, Map<string, string>>;
  let ref: string;
  let other: string;
  beforeAll(async () => {
    a = await open();
    src = sourceSequences(c);
    ref = (await a.referenceSample())!;
    other = (await a.samples())[3];
  });
  afterAll(() => a.close());

  it('names and sizes default to the reference sample, options.sample picks another', async () => {
    const names = (await a.getSequenceNames())!;
    expect(names).toEqual([...src.get(ref)!.keys()]);
    expect(names.some((n) => shortOf(n) !== n)).toBe(true); // the short-name lookups below mean something
    const sizes = (await a.getSequenceSizes())!;
    expect(Object.getPrototypeOf(sizes)).toBe(null);
    expect({ ...sizes }).toEqual(Object.fromEntries([...src.get(ref)!].map(([n, s]) => [n, s.length])));
    const otherSizes = (await a.getSequenceSizes({ sample: other }))!;
    expect({ ...otherSizes }).toEqual(Object.fromEntries([...src.get(other)!].map(([n, s]) => [n, s.length])));
    expect(await a.getSequenceNames({ sample: 'no such sample' })).toBeUndefined();
    expect(await a.getSequenceSizes({ sample: 'no such sample' })).toBeUndefined();
  });

  it('getSequenceSize and hasReferenceSequence take full and short names', async () => {
    const [full, seq] = [...src.get(other)!][0];
    expect(await a.getSequenceSize(full, { sample: other })).toBe(seq.length);
    expect(await a.getSequenceSize(shortOf(full), { sample: other })).toBe(seq.length);
    const [refFull, refSeq] = [...src.get(ref)!][0];
    expect(await a.getSequenceSize(shortOf(refFull))).toBe(refSeq.length);
    expect(await a.hasReferenceSequence(shortOf(refFull))).toBe(true);
    expect(await a.hasReferenceSequence('chrNone')).toBe(false);
    expect(await a.getSequenceSize('chrNone')).toBeUndefined();
    expect(await a.getSequenceSize(shortOf(refFull), { sample: 'nope' })).toBeUndefined();
  });

  it('getSequence(name, start, end, opts) returns the source letters', async () => {
    const [full, seq] = [...src.get(other)!][0];
    const name = shortOf(full);
    expect(await a.getSequence(name, 1000, 5000, { sample: other })).toBe(seq.slice(1000, 5000));
    expect(await a.getSequence(name, seq.length - 10, seq.length + 1000, { sample: other })).toBe(seq.slice(-10));
    expect(await a.getSequence(name, -5, 20, { sample: other })).toBe(seq.slice(0, 20));
    const bytes = await a.getSequenceBytes(full, 7, 77, { sample: other });
    expect(Buffer.from(bytes!).toString('latin1')).toBe(seq.slice(7, 77));
    const [refFull, refSeq] = [...src.get(ref)!][0];
    const whole = await a.getSequence(shortOf(refFull));
    expect(whole!.length).toBe(refSeq.length);
    expect(whole === refSeq).toBe(true);
    expect(await a.getSequence('chrNone', 0, 10)).toBeUndefined();
    expect(await a.getSequence(name, 0, 10, { sample: 'nope' })).toBeUndefined();
    // the object form is unchanged: without a sample the name must be unique in the archive
    expect(await a.getSequence({ sample: other, contig: name, start: 5, end: 15 })).toBe(seq.slice(5, 15));
  });

  it('an aborted signal rejects with AgcAbortError, before or during a long read', async () => {
    const [full] = [...src.get(other)!][0];
    const done = new AbortController();
    done.abort();
    await expect(a.getSequence(full, 0, 100, { sample: other, signal: done.signal })).rejects.toMatchObject({ code: AgcErrorCode.ABORTED });
    await expect(a.getSequence({ sample: other, contig: full }, { signal: done.signal })).rejects.toBeInstanceOf(AgcAbortError);
    await expect(a.getSequenceSizes({ signal: done.signal })).rejects.toBeInstanceOf(AgcAbortError);
    const [lfull, lseq] = longest(src.get(other)!);
    const ac = new AbortController();
    const p = a.getSequence(lfull, 0, lseq.length, { sample: other, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('enough')), 1);
    // Either the abort lands between two slices, or the read finished first on a fast machine.
    const r = await p.then(
      (s) => ({ s }),
      (e: unknown) => ({ e }),
    );
    if ('e' in r) {
      expect(r.e).toBeInstanceOf(AgcAbortError);
      expect((r.e as AgcAbortError).cause).toEqual(new Error('enough'));
    } else expect(r.s === lseq).toBe(true);
    await expect(a.getSequence('x', 0, 1, { signal: {} as AbortSignal })).rejects.toThrow(AgcInputError);
  });

  it('a whole-contig read of a cold archive gives the event loop a turn every few ms', async () => {
    const fresh = await open(64 << 20);
    try {
      // the longest contig of the archive
      const [sample, [full, seq]] = [...src].map(([smp, m]) => [smp, longest(m)] as const).reduce((x, y) => (y[1][1].length > x[1][1].length ? y : x));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const t0 = performance.now();
      const s = await fresh.getSequence(full, 0, undefined, { sample });
      const wall = performance.now() - t0;
      h.disable();
      clearInterval(timer);
      expect(s === seq).toBe(true);
      const longestMs = h.max / 1e6;
      // The machine may be loaded: the bound is loose, the point is that the read was not one block.
      console.log(`whole contig ${seq.length} symbols: ${wall.toFixed(1)} ms wall, longest event-loop block ${longestMs.toFixed(1)} ms, ${ticks} timer ticks`);
      expect(ticks).toBeGreaterThan(1);
      expect(longestMs).toBeLessThan(Math.max(30, wall / 2));
    } finally {
      fresh.close();
    }
  });
});

describe('AgcArchive.streamSample with a signal', () => {
  it('stops with AgcAbortError and yields to the event loop between slices', async () => {
    const a = await AgcArchive.open(archivePath(c));
    try {
      const ac = new AbortController();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      let bytes = 0;
      const run = async () => {
        for await (const piece of a.streamSample((await a.referenceSample())!, { signal: ac.signal, chunkSymbols: 1 << 20 })) {
          bytes += piece.length;
          if (bytes > 1 << 20) ac.abort();
        }
      };
      await expect(run()).rejects.toMatchObject({ code: AgcErrorCode.ABORTED });
      clearInterval(timer);
      expect(bytes).toBeGreaterThan(1 << 20);
      expect(bytes).toBeLessThan(2.5 * (1 << 20));
    } finally {
      a.close();
    }
  });
});

describe('AgcArchive.open(path, { prefetch })', () => {
  it('reads the same letters from the in-memory copy, and opens normally when the file is larger than the limit', async () => {
    const src = sourceSequences(c);
    const [sample, contigs] = [...src][2];
    const [name, seq] = [...contigs][0];
    for (const prefetch of [true, 1 << 30, 1000]) {
      const a = await AgcArchive.open(archivePath(c), { prefetch });
      try {
        expect(await a.getSequence(name, 100, 4100, { sample })).toBe(seq.slice(100, 4100));
        // loadIntoMemory reports whether the image is there (it is kept from open when it fits)
        expect(a.loadIntoMemory(0)).toBe(prefetch !== 1000);
      } finally {
        a.close();
      }
    }
    await expect(AgcArchive.open(archivePath(c), { prefetch: -1 })).rejects.toThrow(AgcInputError);
  });
});
