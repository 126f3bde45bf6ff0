// Segment storage envelopes (docs/format.md 7.6): hand examples and byte identity with the
// reference parts and packs of golden archives (zstd 1.5.6 from the native binding).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildPack,
  bytes2tuples,
  chooseReferenceMethod,
  bestLagMatchFraction,
  encodePackPart,
  encodeReferencePart,
  splitPack,
  tuples2bytes,
  type ZstdCompress,
} from '../lib/format/segment-codec.js';
import { TestArchive, groupStreamName } from './helpers/agc-container.js';
import { decodePackPart, goldenGroups } from './helpers/golden-groups.js';
import { caseDir } from './shared-data.js';
import { zstdCompress, zstdDecompress } from '../lib/native/zstd.js';
import { rngU32 } from './helpers/random.js';
import { nativeLagFraction, reverseComplementCodes } from '../lib/write/native-scans.js';
import { reverseComplement } from '../lib/format/alphabet.js';

const binding = { zstdCompress, zstdDecompress };

const hex = (a: Uint8Array) => Buffer.from(a).toString('hex');

/** A fake zstd that records its calls and returns `size` bytes. */
function fakeZstd(size: number) {
  const calls: { len: number; level: number; first: number }[] = [];
  const f: ZstdCompress = (data, level) => {
    calls.push({ len: data.length, level, first: data[0] ?? -1 });
    return new Uint8Array(size).fill(0xaa);
  };
  return { f, calls };
}

describe('bytes2tuples / tuples2bytes', () => {
  it('packs 4 ACGT symbols per byte, first symbol most significant, plus leftover byte and marker', () => {
    expect(hex(bytes2tuples(Uint8Array.from([0, 1, 2, 3, 3, 2, 1])))).toBe('1b3943'); // 27, 3*16+2*4+1, 0x43
    expect(hex(bytes2tuples(Uint8Array.from([3, 3, 3, 3])))).toBe('ff0040');
  });

  it('uses base 6 (3 per byte) up to N and base 16 (2 per byte) up to code 15', () => {
    expect(hex(bytes2tuples(Uint8Array.from([4, 0, 1, 2])))).toBe('910231'); // 4*36+1 = 145
    expect(hex(bytes2tuples(Uint8Array.from([5, 5, 5])))).toBe('d70030'); // 5*36+5*6+5 = 215
    expect(hex(bytes2tuples(Uint8Array.from([15, 1, 3])))).toBe('f10321');
  });

  it('stores codes >= 16 verbatim with marker 0x10, and an empty input as 00 40', () => {
    expect(hex(bytes2tuples(Uint8Array.from([0, 30, 2])))).toBe('001e0210');
    expect(hex(bytes2tuples(new Uint8Array(0)))).toBe('0040');
  });

  it('round-trips every packing and length', () => {
    const next = rngU32(1);
    for (const maxCode of [4, 6, 16, 33]) {
      for (let n = 0; n < 40; n++) {
        const d = Uint8Array.from({ length: n }, () => next() % maxCode);
        const t = bytes2tuples(d);
        const g = t[t.length - 1]! >> 4;
        if (g !== 1) expect(t.length).toBe(Math.floor(n / g) + 2);
        expect(tuples2bytes(t)).toEqual(d);
      }
    }
  });
});

describe('chooseReferenceMethod', () => {
  it('picks plain for periodic data and tuples for random or N-only data', () => {
    const periodic = Uint8Array.from({ length: 400 }, (_, i) => i % 4);
    expect(chooseReferenceMethod(periodic)).toBe('plain');
    const next = rngU32(2);
    const random = Uint8Array.from({ length: 5000 }, () => next() & 3);
    expect(chooseReferenceMethod(random)).toBe('tuples');
    expect(chooseReferenceMethod(new Uint8Array(500).fill(4))).toBe('tuples'); // no ACGT: frac 0
    expect(chooseReferenceMethod(Uint8Array.from([0, 0, 0, 0, 0]))).toBe('plain'); // lag 4: 1/1
    expect(chooseReferenceMethod(Uint8Array.from([0, 0, 0, 0]))).toBe('tuples'); // no pair at lag 4
  });

  it('counts N==N as equal but only ACGT in the denominator; exactly 0.5 is plain', () => {
    // lag 4: four N==N pairs over four ACGT positions -> 1.0
    expect(chooseReferenceMethod(Uint8Array.from([0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4]))).toBe('plain');
    // lag 4: 2 equal of 4 -> exactly 0.5
    expect(chooseReferenceMethod(Uint8Array.from([0, 1, 2, 3, 0, 1, 3, 2]))).toBe('plain');
  });

  it('the native statistic equals the portable one on every case above and on random data', () => {
    const cases = [
      Uint8Array.from({ length: 400 }, (_, i) => i % 4),
      new Uint8Array(500).fill(4),
      Uint8Array.from([0, 0, 0, 0, 0]),
      Uint8Array.from([0, 0, 0, 0]),
      new Uint8Array(0),
      Uint8Array.from([0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4]),
    ];
    const next = rngU32(7);
    for (let t = 0; t < 200; t++) {
      const n = next() % 3000;
      const period = 1 + (next() % 40);
      const noise = next() % 4; // 0: periodic .. 3: mostly random, some N and IUPAC
      cases.push(Uint8Array.from({ length: n }, (_, i) => (next() % 4 < noise ? next() % 12 : (i % period) & 3)));
    }
    for (const c of cases) expect(nativeLagFraction(c)).toBe(bestLagMatchFraction(c));
  });

  it('native reverse complement matches the portable one, IUPAC codes unchanged', () => {
    const next = rngU32(8);
    const src = Uint8Array.from({ length: 1001 }, () => next() % 16);
    expect(reverseComplementCodes(src)).toEqual(reverseComplement(src));
    expect(() => reverseComplementCodes(src, src)).toThrow(/overlaps/);
  });
});

describe('encodeReferencePart / encodePackPart envelopes', () => {
  it('plain reference: zstd 19 + marker 0, metadata n, only when len(z) + 1 < n', () => {
    const ref = Uint8Array.from({ length: 12 }, (_, i) => i % 4);
    const small = fakeZstd(10);
    const part = encodeReferencePart(ref, small.f);
    expect(small.calls).toEqual([{ len: 12, level: 19, first: 0 }]);
    expect(part.metadata).toBe(12);
    expect(hex(part.data)).toBe('aa'.repeat(10) + '00');
    const big = fakeZstd(11);
    const raw = encodeReferencePart(ref, big.f);
    expect(raw.metadata).toBe(0);
    expect(raw.data).toEqual(ref);
  });

  it('tuple reference: zstd 13 of the tuples + marker 1; raw fallback stores untupled codes', () => {
    const next = rngU32(3);
    const ref = Uint8Array.from({ length: 400 }, () => next() & 3);
    expect(chooseReferenceMethod(ref)).toBe('tuples');
    const z = fakeZstd(5);
    const part = encodeReferencePart(ref, z.f);
    expect(z.calls).toEqual([{ len: 102, level: 13, first: bytes2tuples(ref)[0]! }]);
    expect(part.metadata).toBe(400);
    expect(hex(part.data)).toBe('aa'.repeat(5) + '01');
    expect(encodeReferencePart(ref, fakeZstd(398).f).metadata).toBe(400);
    const raw = encodeReferencePart(ref, fakeZstd(399).f);
    expect(raw).toEqual({ data: ref, metadata: 0 });
  });

  it('packs join entries with 0xFF terminators; zstd 17 + marker 0 or the raw pack', () => {
    const entries = [Uint8Array.from([0x41, 0x42]), new Uint8Array(0), Uint8Array.from([0x30, 0x2e])];
    expect(hex(buildPack(entries))).toBe('4142ff' + 'ff' + '302eff');
    expect(splitPack(buildPack(entries))).toEqual(entries);
    const z = fakeZstd(5);
    const part = encodePackPart(entries, z.f);
    expect(z.calls).toEqual([{ len: 7, level: 17, first: 0x41 }]);
    expect(part.metadata).toBe(7);
    expect(hex(part.data)).toBe('aa'.repeat(5) + '00');
    expect(encodePackPart(entries, fakeZstd(6).f)).toEqual({ data: buildPack(entries), metadata: 0 });
  });
});

describe('golden archives: reference parts and packs are reproduced byte for byte', () => {
  for (const id of ['mers-tiny-default', 'mers-tiny-params', 'saureus-6-default', 'saureus-6-params']) {
    it(`${id}`, () => {
      const a = new TestArchive(path.join(caseDir(id), 'archive.agc'));
      const seen = { plain: 0, tuples: 0, raw: 0, packs: 0, rawPacks: 0 };
      for (const g of goldenGroups(a, binding.zstdDecompress)) {
        const r = encodeReferencePart(g.reference, binding.zstdCompress);
        expect(r.metadata).toBe(g.refPart.metadata);
        if (hex(r.data) !== hex(g.refPart.data)) expect.fail(`group ${g.id}: reference part differs`);
        if (r.metadata === 0) seen.raw++;
        else if (r.data[r.data.length - 1] === 1) seen.tuples++;
        else seen.plain++;
        for (const p of g.packs) {
          const pp = encodePackPart(p.entries, binding.zstdCompress);
          expect(pp.metadata).toBe(p.part.metadata);
          if (hex(pp.data) !== hex(p.part.data)) expect.fail(`group ${g.id}: pack differs`);
          seen.packs++;
        }
      }
      // raw groups 0..15: packs of raw segments (entry 0 of part 0 is the 0x7F dummy)
      for (let id = 0; id < 16; id++) {
        const name = groupStreamName(id) + 'd';
        for (let j = 0; j < a.numParts(name); j++) {
          const part = a.part(name, j);
          const entries = decodePackPart(part.data, part.metadata, binding.zstdDecompress);
          if (j === 0) expect(hex(entries[0]!)).toBe('7f');
          const pp = encodePackPart(entries, binding.zstdCompress);
          expect(pp.metadata).toBe(part.metadata);
          if (hex(pp.data) !== hex(part.data)) expect.fail(`raw group ${id} part ${j} differs`);
          seen.rawPacks++;
        }
      }
      expect(seen.plain + seen.tuples + seen.raw).toBeGreaterThan(2);
      expect(seen.rawPacks).toBeGreaterThanOrEqual(16);
    });
  }

  it('the golden set exercises both reference packings', () => {
    let plain = 0;
    let tuples = 0;
    for (const id of ['mers-tiny-params', 'saureus-6-params']) {
      const a = new TestArchive(path.join(caseDir(id), 'archive.agc'));
      for (const g of goldenGroups(a, binding.zstdDecompress)) {
        if (g.refPart.metadata === 0) continue;
        if (g.refPart.data[g.refPart.data.length - 1] === 1) tuples++;
        else plain++;
        expect(chooseReferenceMethod(g.reference)).toBe(g.refPart.data[g.refPart.data.length - 1] === 1 ? 'tuples' : 'plain');
      }
    }
    expect(tuples).toBeGreaterThan(0);
    expect(plain).toBeGreaterThan(0);
  });
});
