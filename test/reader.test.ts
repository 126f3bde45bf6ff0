// AgcArchive against every golden archive: names, lengths and random ranges against the source
// FASTA, FASTA streams against upstream's getset/getcol hashes, errors and lifetime.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { AgcAmbiguousNameError, AgcCorruptError, AgcError, AgcInputError } from '../lib/errors.js';
import { CppArchive } from '../lib/native/cpp-archive.js';
import { archivePath, caseDir, cases, goldenSha, listsetOf, quick, readText, rng, sha256, sourceSequences } from './shared-data.js';
import { randomSeq, writeHandmadeArchive, type HandSample } from './handmade.js';

const selected = cases.filter((c) => !quick || !c.dataset.startsWith('klebsiella'));

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

describe.each(selected)('AgcArchive on $id', (c) => {
  let a: AgcArchive;
  // No cache at all: every range goes through the range decoders instead of cached segments.
  let uncached: AgcArchive;
  let src: Map<string, Map<string, string>>;
  beforeAll(async () => {
    a = await AgcArchive.open(archivePath(c));
    uncached = await AgcArchive.open(archivePath(c), { cacheBytes: 0 });
    src = sourceSequences(c);
  });
  afterAll(() => {
    a.close();
    uncached.close();
  });

  it('lists samples, the reference and contigs as upstream', async () => {
    const samples = await a.samples();
    expect(samples.length).toBe(c.samples);
    expect([...samples].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))).toEqual(listsetOf(c));
    expect(await a.referenceSample()).toBe(readText(c, 'listref.txt'));
    let listing = '';
    for (const s of listsetOf(c)) {
      listing += `${s}\n`;
      for (const name of (await a.contigs(s))!) listing += `   ${name}\n`;
    }
    expect(listing).toBe(readText(c, 'listctg.txt'));
    expect(a.params.kmerLength).toBeGreaterThanOrEqual(17);
    expect(a.version).toBe(3000);
  });

  it('reports contig lengths and whole sequences equal to the source FASTA', async () => {
    const samples = await a.samples();
    expect(new Set(samples)).toEqual(new Set(src.keys()));
    const rand = rng(c.id.length * 7919);
    for (const s of samples) {
      const contigs = (await a.contigs(s))!;
      const expected = src.get(s)!;
      expect(contigs).toEqual([...expected.keys()]);
      for (const name of contigs) {
        const seq = expected.get(name)!;
        expect(await a.contigLength(s, name)).toBe(seq.length);
        // whole contigs for the small sets and a sample of the larger ones
        if (seq.length < 40000 || rand() < 0.05) expect(await a.getSequence({ sample: s, contig: name })).toBe(seq);
      }
    }
  });

  it('returns random ranges equal to source slices (segment boundaries, ends, empty, reverse-complemented, IUPAC)', async () => {
    const rand = rng(c.id.length * 104729 + 17);
    let checked = 0;
    let rcSeen = 0;
    let iupacSeen = 0;
    for (const s of await a.samples()) {
      const layout = a.sampleLayout(s)!;
      for (const ctg of layout.contigs) {
        const seq = src.get(s)!.get(ctg.name)!;
        const len = seq.length;
        const ranges: [number, number][] = [
          [0, 0],
          [len, len],
          [Math.max(0, len - 1), len],
          [Math.max(0, len - 100), len + 50], // end clipped
        ];
        // around segment boundaries (the k-symbol overlaps), some crossing several segments
        for (let j = 1; j < ctg.starts.length - 1 && ranges.length < 24; j++) {
          const b = ctg.starts[j];
          const w = 1 + Math.floor(rand() * 80);
          ranges.push([Math.max(0, b - w), Math.min(len, b + w)]);
          if (ctg.revComp[j] || ctg.revComp[j - 1]) rcSeen++;
        }
        for (let i = 0; i < 6; i++) {
          const st = Math.floor(rand() * len);
          ranges.push([st, Math.min(len, st + Math.floor(rand() * (i < 3 ? 5000 : 150000)))]);
        }
        for (const [st, en] of ranges) {
          const want = seq.slice(st, Math.min(en, len));
          for (const r of [a, uncached]) {
            const got = await r.getSequence({ sample: s, contig: ctg.name, start: st, end: en });
            if (got !== want) expect({ s, contig: ctg.name, st, en, got: got?.slice(0, 60) }).toEqual({ s, contig: ctg.name, st, en, got: want.slice(0, 60) });
          }
          if (/[^ACGT]/.test(want)) iupacSeen++;
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    if (c.dataset === 'klebsiella-8' || c.dataset === 'saureus-6') expect(rcSeen).toBeGreaterThan(0);
    if (c.dataset.startsWith('mers')) expect(iupacSeen).toBeGreaterThan(0);
  });

  it('streams every sample as upstream getset -l 80 and the collection as getcol', async () => {
    const dir = path.join(caseDir(c), 'getset');
    const heavy = c.dataset === 'klebsiella-8';
    const samples = listsetOf(c);
    for (const s of heavy ? samples.slice(0, 2) : samples) {
      const fa = await collect(a.streamSample(s, { lineLength: 80, chunkSymbols: 100_000 }));
      expect(sha256(fa)).toBe(goldenSha(path.join(dir, `${s}.fa.sha256`)));
    }
    if (!heavy) expect(sha256(await collect(a.streamCollection()))).toBe(goldenSha(path.join(caseDir(c), 'getcol.sha256')));
  });
});

describe('AgcArchive behaviour', () => {
  const small = cases.find((c) => c.id === 'mers-tiny-default')!;
  const multi = cases.find((c) => c.id === 'saureus-6-default')!;

  it('gives undefined for unknown names and throws AgcAmbiguousNameError for names in several samples', async () => {
    await using a = await AgcArchive.open(archivePath(multi));
    expect(await a.contigs('no-such-sample')).toBeUndefined();
    expect(await a.contigLength('no-such-sample', 'x')).toBeUndefined();
    expect(await a.getSequence({ sample: 'N315', contig: 'no-such-contig' })).toBeUndefined();
    expect(await a.getSequence({ contig: 'no-such-contig' })).toBeUndefined();
    // a short name without its sample, found in exactly one sample
    const n315 = (await a.contigs('N315'))![0];
    const short = n315.split(' ')[0];
    expect((await a.getSequence({ contig: short, start: 10, end: 20 }))!.length).toBe(10);
    expect(await a.contigLength(undefined, short)).toBe(await a.contigLength('N315', n315));
    // find a short name present in two samples
    const seen = new Map<string, string>();
    let dup: string | undefined;
    for (const s of await a.samples())
      for (const name of (await a.contigs(s))!) {
        const sh = name.split(/[ \t]/)[0];
        if (seen.has(sh) && seen.get(sh) !== s) dup ??= sh;
        seen.set(sh, s);
      }
    if (dup !== undefined) {
      await expect(a.getSequence({ contig: dup })).rejects.toBeInstanceOf(AgcAmbiguousNameError);
      const err = await a.getSequence({ contig: dup }).catch((e: AgcAmbiguousNameError) => e);
      expect((err as AgcAmbiguousNameError).samples.length).toBeGreaterThan(1);
    }
  });

  it('validates coordinates and clips the end', async () => {
    await using a = await AgcArchive.open(archivePath(small));
    const s = (await a.referenceSample())!;
    const ctg = (await a.contigs(s))![0];
    const len = (await a.contigLength(s, ctg))!;
    expect(await a.getSequence({ sample: s, contig: ctg, start: len - 5, end: len + 1000 })).toHaveLength(5);
    expect(await a.getSequence({ sample: s, contig: ctg, start: 50, end: 10 })).toBe('');
    expect(await a.getSequence({ sample: s, contig: ctg, start: len + 10 })).toBe('');
    await expect(a.getSequence({ sample: s, contig: ctg, start: -1 })).rejects.toThrow(AgcInputError);
    await expect(a.getSequence({ sample: s, contig: ctg, start: 1.5 })).rejects.toThrow(AgcInputError);
    await expect(a.getSequence(null as never)).rejects.toThrow(AgcInputError);
    const bytes = await a.getSequenceBytes({ sample: s, contig: ctg, start: 0, end: 4 });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes!).toString()).toBe((await a.getSequence({ sample: s, contig: ctg, start: 0, end: 4 }))!);
  });

  it('answers concurrent queries like sequential ones, with small caches too', async () => {
    const c = multi;
    const big = await AgcArchive.open(archivePath(c));
    const tiny = await AgcArchive.open(archivePath(c), { cacheBytes: 200_000, metadataCacheBytes: 10_000 });
    const rand = rng(99);
    const queries: { sample: string; contig: string; start: number; end: number }[] = [];
    for (const s of await big.samples()) {
      for (const ctg of big.sampleLayout(s)!.contigs.slice(0, 20)) {
        const st = Math.floor(rand() * ctg.length);
        queries.push({ sample: s, contig: ctg.name, start: st, end: st + 4000 });
      }
    }
    const seq = [];
    for (const q of queries) seq.push(await big.getSequence(q));
    const par = await Promise.all(queries.map((q) => tiny.getSequence(q)));
    const par2 = await Promise.all(queries.map((q) => big.getSequence(q)));
    expect(par).toEqual(seq);
    expect(par2).toEqual(seq);
    big.close();
    tiny.close();
  });

  it('closes (also with using) and refuses calls afterwards', async () => {
    const a = await AgcArchive.open(archivePath(small));
    a.close();
    a.close();
    await expect(a.samples()).rejects.toThrow(/closed/);
    {
      using b = AgcArchive.openSync(archivePath(small));
      expect((await b.samples()).length).toBe(6);
    }
  });

  it('rejects a missing archive with AgcInputError and empty, truncated and corrupt ones with AgcCorruptError, naming the file', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-reader-'));
    try {
      const missing = path.join(tmp, 'missing.agc');
      await expect(AgcArchive.open(missing)).rejects.toThrow(AgcInputError);
      await expect(AgcArchive.open(missing)).rejects.toMatchObject({ code: 'AGC_INPUT' });
      await expect(AgcArchive.open(missing)).rejects.toThrow(missing);
      const empty = path.join(tmp, 'empty.agc');
      fs.writeFileSync(empty, '');
      await expect(AgcArchive.open(empty)).rejects.toThrow(AgcCorruptError);
      await expect(AgcArchive.open(empty)).rejects.toMatchObject({ code: 'AGC_CORRUPT' });
      const good = fs.readFileSync(archivePath(small));
      const trunc = path.join(tmp, 'trunc.agc');
      fs.writeFileSync(trunc, good.subarray(0, good.length - 100));
      await expect(AgcArchive.open(trunc)).rejects.toThrow(AgcCorruptError);
      await expect(AgcArchive.open(trunc)).rejects.toThrow(trunc);
      const noise = path.join(tmp, 'noise.agc');
      fs.writeFileSync(noise, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255)));
      await expect(AgcArchive.open(noise)).rejects.toThrow(AgcCorruptError);
      // Corrupt sequence data: flip bytes inside the data area. Opening may still succeed; every
      // read must then either return data or throw an Error, never crash.
      const bad = Buffer.from(good);
      for (let i = 200; i < 6000; i += 97) bad[i] ^= 0x5a;
      const corrupt = path.join(tmp, 'corrupt.agc');
      fs.writeFileSync(corrupt, bad);
      let opened: AgcArchive | undefined;
      try {
        opened = await AgcArchive.open(corrupt);
      } catch (e) {
        expect(e).toBeInstanceOf(AgcCorruptError);
      }
      if (opened) {
        for (const s of await opened.samples().catch(() => [] as string[])) {
          try {
            await collect(opened.streamSample(s));
          } catch (e) {
            expect(e).toBeInstanceOf(AgcError);
          }
        }
        opened.close();
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports corrupt sequence data as AgcCorruptError (code AGC_CORRUPT) naming the archive', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-reader-'));
    try {
      const bytes = Buffer.from(fs.readFileSync(archivePath(small)));
      {
        // garble the zstd frame of every group reference and of every first delta pack
        using ar = CppArchive.open(archivePath(small));
        let garbled = 0;
        for (const [id, name] of ar.streamNames().entries()) {
          if (!/^x[0-9A-Za-z_#]+[rd]$/.test(name) || ar.numParts(id) === 0) continue;
          const off = ar.partOffset(id, 0);
          const size = ar.partSize(id, 0);
          for (let i = off + 8; i < off + Math.min(size, 64); i++) bytes[i] ^= 0xa5;
          garbled++;
        }
        expect(garbled).toBeGreaterThan(0);
      }
      const bad = path.join(tmp, 'corrupt.agc');
      fs.writeFileSync(bad, bytes);
      await using a = await AgcArchive.open(bad);
      let err: unknown;
      for (const s of await a.samples()) {
        err = await collect(a.streamSample(s)).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (err) break;
      }
      expect(err).toBeInstanceOf(AgcCorruptError);
      expect(err).toMatchObject({ code: 'AGC_CORRUPT' });
      expect((err as Error).message).toContain(bad);
      expect((err as Error).message.split('\n')).toHaveLength(1);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('AgcArchive on a handmade archive (every storage form, shared contig names)', () => {
  const k = 5;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-hand-'));
  const file = path.join(tmp, 'hand.agc');
  const A = randomSeq(400, 1);
  const B = randomSeq(300, 2);
  // a variant of A (mutations, an inserted N run) so LZ groups get real deltas
  const A2 = A.slice(0, 50) + 'T' + A.slice(51, 120) + 'NNNNNNN' + A.slice(120, 390) + 'GATTACA';
  const samples: HandSample[] = [
    {
      name: 'ref',
      contigs: [
        { name: 'chrA first sample', seq: A, cuts: [0, 130, 260, 400], groups: [16, 17, 18], rc: [false, true, false] },
        { name: 'plasmid', seq: B.slice(0, 90), cuts: [0, 90], groups: [1], rc: [false] },
      ],
    },
    {
      name: 'second',
      contigs: [
        { name: 'chrA\tsecond sample', seq: A2, cuts: [0, 130, 265, A2.length], groups: [16, 17, 18], rc: [true, true, false] },
        { name: 'empty', seq: '', cuts: [0], groups: [], rc: [] },
        { name: 'tiny', seq: 'ACGTN', cuts: [0, 5], groups: [2], rc: [true] },
      ],
    },
    {
      name: 'third',
      contigs: [
        { name: 'chrB', seq: B, cuts: [0, 5, 100, 300], groups: [3, 16, 1], rc: [false, false, true] },
        { name: 'chrA3', seq: A2.slice(10), cuts: [0, 200, A2.length - 10], groups: [16, 16], rc: [false, true] },
      ],
    },
  ];
  writeHandmadeArchive(file, samples, { k, mml: 4, P: 2 });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lists samples and contigs', async () => {
    await using a = await AgcArchive.open(file);
    expect(await a.samples()).toEqual(['ref', 'second', 'third']);
    expect(await a.contigs('second')).toEqual(['chrA\tsecond sample', 'empty', 'tiny']);
    expect(a.params).toEqual({ kmerLength: 5, minMatchLength: 4, packCardinality: 2, segmentSize: 100 });
  });

  it('reads file_type_info: ASCII strings, and others as UTF-8 with bad bytes replaced', () => {
    using a = AgcArchive.openSync(file);
    expect([...a.fileTypeInfo]).toEqual([
      ['comment', 'handmade test archive caf\u00e9 \ufffd'],
      ['file_version_major', '3'],
      ['file_version_minor', '0'],
      ['producer', 'agc-node tests'],
    ]);
  });

  it('decodes every contig and every range', async () => {
    await using a = await AgcArchive.open(file, { cacheBytes: 4096 });
    for (const s of samples)
      for (const c of s.contigs) {
        expect(await a.contigLength(s.name, c.name)).toBe(c.seq.length);
        expect(await a.getSequence({ sample: s.name, contig: c.name })).toBe(c.seq);
        for (let st = 0; st <= c.seq.length; st += 7)
          for (let en = st; en <= c.seq.length + 3; en += 11)
            expect(await a.getSequence({ sample: s.name, contig: c.name, start: st, end: en })).toBe(c.seq.slice(st, en));
      }
  });

  it('streams samples like formatting the source', async () => {
    await using a = await AgcArchive.open(file);
    for (const s of samples) {
      const got = (await collect(a.streamSample(s.name, { lineLength: 7, chunkSymbols: 33 }))).toString();
      const want = s.contigs.map((c) => `>${c.name}\n${c.seq.replace(/(.{7})/g, '$1\n')}${c.seq.length % 7 ? '\n' : ''}`).join('');
      expect(got).toBe(want);
    }
  });

  it('formats records into a shared buffer exactly as formatRecord', async () => {
    await using a = await AgcArchive.open(file);
    const buf = Buffer.alloc(4096, 0x2a);
    let q = 3;
    const want: Buffer[] = [Buffer.from('***')];
    for (const s of samples) {
      const layout = a.sampleLayout(s.name)!;
      for (const c of layout.contigs)
        for (const [st, en] of [
          [0, c.length],
          [2, Math.max(2, c.length - 3)],
        ]) {
          want.push(a.formatRecord(c, `${c.name}:x`, st, en, 9));
          q = a.formatRecordInto(c, `${c.name}:x`, st, en, 9, buf, q);
        }
    }
    expect(buf.subarray(0, q).toString()).toBe(Buffer.concat(want).toString());
    expect(buf[q]).toBe(0x2a);
    const c0 = a.sampleLayout('ref')!.contigs[0];
    expect(() => a.formatRecordInto(c0, 'x', 0, c0.length, 9, buf, buf.length - 10)).toThrow(AgcInputError);
  });

  it('formats from an in-memory image exactly as from the file', async () => {
    const want: string[] = [];
    {
      await using plain = await AgcArchive.open(file);
      for (const s of samples) for (const c of plain.sampleLayout(s.name)!.contigs) want.push(plain.formatRecord(c, c.name, 0, c.length, 7).toString());
    }
    await using a = await AgcArchive.open(file);
    expect(a.loadIntoMemory(1)).toBe(false); // larger than the limit: parts keep coming from the native reader
    expect(a.loadIntoMemory()).toBe(true);
    const buf = Buffer.alloc(2000);
    const got: string[] = [];
    for (const s of samples)
      for (const c of a.sampleLayout(s.name)!.contigs) {
        const end = a.formatRecordInto(c, c.name, 0, c.length, 7, buf, 0);
        got.push(buf.subarray(0, end).toString());
      }
    expect(got).toEqual(want);
    for (const s of samples) for (const c of s.contigs) expect(await a.getSequence({ sample: s.name, contig: c.name })).toBe(c.seq);
  });

  it('resolves short names and reports ambiguity', async () => {
    await using a = await AgcArchive.open(file);
    await expect(a.getSequence({ contig: 'chrA' })).rejects.toBeInstanceOf(AgcAmbiguousNameError);
    const err = (await a.getSequence({ contig: 'chrA' }).catch((e) => e)) as AgcAmbiguousNameError;
    expect(err.samples).toEqual(['ref', 'second']);
    expect(await a.getSequence({ sample: 'second', contig: 'chrA', start: 0, end: 10 })).toBe(A2.slice(0, 10));
    expect(await a.getSequence({ sample: 'ref', contig: 'chrA first sample' })).toBe(A);
    expect(await a.getSequence({ contig: 'chrB', start: 3, end: 9 })).toBe(B.slice(3, 9));
    expect(await a.getSequence({ contig: 'empty' })).toBe('');
    expect(await a.getSequence({ contig: 'chrA3' })).toBe(A2.slice(10));
  });
});
