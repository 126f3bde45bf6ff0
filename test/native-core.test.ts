// Issue 2 acceptance: the C++ container and collection read every golden archive exactly and
// write the same bytes back.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CppArchive, CppCollection, zstdCompress, zstdDecompress, zstdVersion } from '../lib/index.js';
import type { SampleDesc } from '../lib/index.js';
import { cases, caseDir, goldenDir, datasetDir, quick, readFasta, readParams, sha256 } from './shared-data.js';

/** Lengths of every contig (by full header) in the FASTA files a case was built from. */
function contigLengths(dataset: string): Map<string, number> {
  const files = [
    ...fs
      .readdirSync(datasetDir(dataset))
      .filter((f) => f.endsWith('.fa'))
      .map((f) => path.join(datasetDir(dataset), f)),
    ...fs.readdirSync(path.join(goldenDir, 'inputs')).map((f) => path.join(goldenDir, 'inputs', f)),
  ];
  const out = new Map<string, number>();
  for (const f of files) for (const r of readFasta(f)) out.set(r.header, r.seq.length);
  return out;
}

describe.each(cases.map((c) => [c.id, c] as const))('golden %s', (_id, c) => {
  const file = path.join(goldenDir, c.archive);

  it('lists samples, reference and contigs like upstream, with consistent placements', () => {
    using archive = CppArchive.open(file);
    const params = readParams(archive);
    using coll = CppCollection.openForReading(archive, params);
    const samples = coll.samples();
    expect(samples.length).toBe(c.samples);
    const sorted = [...samples].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sorted.map((s) => s + '\n').join('')).toBe(fs.readFileSync(path.join(caseDir(c.id), 'listset.txt'), 'utf8'));
    expect(samples[0]).toBe(fs.readFileSync(path.join(caseDir(c.id), 'listref.txt'), 'utf8'));

    let listctg = '';
    const lengths = contigLengths(c.dataset);
    for (const s of sorted) {
      const names = coll.contigNames(s)!;
      listctg += s + '\n' + names.map((n) => '   ' + n + '\n').join('');
      const d = coll.sampleDesc(s)!;
      expect(d.contigNames).toEqual(names);
      expect(d.segmentCounts.length).toBe(names.length);
      let seg = 0;
      for (let ci = 0; ci < names.length; ci++) {
        const nseg = d.segmentCounts[ci];
        let sum = 0;
        for (let j = 0; j < nseg; j++, seg++) {
          expect(d.rawLength[seg]).toBeGreaterThan(0);
          expect(d.revComp[seg]).toBeLessThanOrEqual(1);
          sum += d.rawLength[seg];
        }
        const len = nseg === 0 ? 0 : sum - (nseg - 1) * params.kmerLength;
        const expected = lengths.get(names[ci]);
        expect(expected, `source length of ${names[ci]}`).toBeDefined();
        expect(len, `${s}/${names[ci]}`).toBe(expected);
      }
      expect(seg).toBe(d.groupId.length);
    }
    expect(listctg).toBe(fs.readFileSync(path.join(caseDir(c.id), 'listctg.txt'), 'utf8'));
    expect(coll.contigNames('no such sample')).toBeUndefined();
    expect(coll.sampleDesc('no such sample')).toBeUndefined();
  });

  it('container round trip: every part written back in file order gives the same sha256', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agc-rt-')), 'copy.agc');
    try {
      {
        using input = CppArchive.open(file);
        using output = CppArchive.create(out);
        const parts: { stream: number; part: number; offset: number }[] = [];
        // the one-call part table (positions here come from it) agrees with the per-part calls
        const table = input.partTable();
        let at = input.numStreams;
        let differ = 0;
        for (let s = 0; s < input.numStreams; s++) {
          expect(output.registerStream(input.streamName(s))).toBe(s);
          expect(table[s]).toBe(input.numParts(s));
          for (let p = 0; p < input.numParts(s); p++, at += 2) {
            if (table[at] !== input.partOffset(s, p) || table[at + 1] !== input.partSize(s, p)) differ++;
            parts.push({ stream: s, part: p, offset: table[at] });
          }
        }
        expect(at).toBe(table.length);
        expect(differ).toBe(0);
        parts.sort((a, b) => a.offset - b.offset);
        for (const { stream, part } of parts) {
          const { data, metadata } = input.getPart(stream, part);
          expect(output.addPart(stream, data, metadata)).toBe(part);
        }
      }
      const bytes = fs.readFileSync(out);
      expect(bytes.length).toBe(c.bytes);
      expect(sha256(bytes)).toBe(c.sha256);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });

  it('collection round trip: collection-* parts rebuilt through CppCollection are byte-identical', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agc-coll-')), 'coll.agc');
    try {
      using input = CppArchive.open(file);
      const params = readParams(input);
      using coll = CppCollection.openForReading(input, params);
      const samples = coll.samples();
      const contigsId = input.streamId('collection-contigs')!;
      const detailsId = input.streamId('collection-details')!;
      const samplesId = input.streamId('collection-samples')!;
      const nBatches = input.numParts(contigsId);
      {
        using output = CppArchive.create(out);
        using rebuilt = CppCollection.forCompression(output, params);
        // Rebuild batch by batch with the batch boundaries the archive actually has (the -c mode
        // can store one range twice, see docs/format.md 7.7).
        let from = 0;
        for (let b = 0; b < nBatches; b++) {
          const part = input.getPart(contigsId, b);
          const n = readCV(zstdDecompress(part.data, part.metadata), 0);
          if (from + n > samples.length || (from === samples.length && n > 0)) {
            // the -c mode's repeated last range: its contig lists were already freed
            rebuilt.storeContigBatch(from - n, from);
            continue;
          }
          rebuilt.resetPrevSampleName();
          for (let i = from; i < from + n; i++) placeSample(rebuilt, samples[i], coll.sampleDesc(samples[i])!);
          rebuilt.storeContigBatch(from, from + n);
          from += n;
        }
        rebuilt.completeSerialization();
      }
      using copy = CppArchive.open(out);
      for (const [name, id] of [
        ['collection-contigs', contigsId],
        ['collection-details', detailsId],
        ['collection-samples', samplesId],
      ] as const) {
        const cid = copy.streamId(name)!;
        expect(copy.numParts(cid), name).toBe(input.numParts(id));
        for (let p = 0; p < input.numParts(id); p++) {
          const a = input.getPart(id, p);
          const b = copy.getPart(cid, p);
          expect(b.metadata, `${name} part ${p} metadata`).toBe(a.metadata);
          expect(sha256(b.data), `${name} part ${p}`).toBe(sha256(a.data));
        }
      }
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});

/** Register a sample's contigs and place all its segments in one batch, as a writer would. */
function placeSample(coll: CppCollection, sample: string, d: SampleDesc): void {
  for (const cn of d.contigNames) expect(coll.registerSampleContig(sample, cn)).toBe(true);
  const n = d.groupId.length;
  const contigIndex = new Uint32Array(n);
  const place = new Uint32Array(n);
  let seg = 0;
  for (let ci = 0; ci < d.contigNames.length; ci++)
    for (let j = 0; j < d.segmentCounts[ci]; j++, seg++) {
      contigIndex[seg] = ci;
      place[seg] = j;
    }
  coll.addSegmentsPlaced({
    sampleNames: [sample],
    contigNames: d.contigNames,
    sampleIndex: new Uint32Array(n),
    contigIndex,
    place,
    groupId: d.groupId,
    inGroupId: d.inGroupId,
    rawLength: d.rawLength,
    revComp: d.revComp,
  });
}

/** Collection varint (docs/format.md 4.3), first value only. */
function readCV(b: Uint8Array, pos: number): number {
  const x = b[pos];
  if (x < 0x80) return x;
  if (x < 0xc0) return 128 + ((x & 0x3f) << 8) + b[pos + 1];
  if (x < 0xe0) return 16512 + ((x & 0x1f) << 16) + (b[pos + 1] << 8) + b[pos + 2];
  throw new Error('test helper: varint too large');
}

describe('zstd', () => {
  it('is the pinned 1.5.6', () => {
    expect(zstdVersion()).toBe('1.5.6');
  });

  // klebsiella-8 only in test:all (AGC_QUICK is set for the unit tier).
  it.each(['saureus-6-default', ...(quick ? [] : ['klebsiella-8-default']), 'mers-46-append'])(
    'recompressing the delta packs of %s at level 17 gives the stored bytes',
    (id) => {
      const c = cases.find((x) => x.id === id)!;
      using a = CppArchive.open(path.join(goldenDir, c.archive));
      let checked = 0;
      for (const name of a.streamNames()) {
        if (!/^x[0-9A-Za-z_#]+d$/.test(name)) continue;
        const s = a.streamId(name)!;
        for (let p = 0; p < a.numParts(s) && checked < 400; p++) {
          const { data, metadata } = a.getPart(s, p);
          if (metadata === 0) continue; // stored uncompressed
          const frame = data.subarray(0, data.length - 1); // last byte is the marker
          expect(data[data.length - 1]).toBe(0);
          const raw = zstdDecompress(frame, metadata);
          expect(raw.length).toBe(metadata);
          expect(sha256(zstdCompress(raw, 17))).toBe(sha256(frame));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    },
  );
});
