// Unit tests of the pure read-side decoders on handmade data (docs/format.md 5.1-5.8, 6.3-6.4).
import { describe, expect, it } from 'vitest';
import { lzDiffDecode, lzDiffDecodeInto, LzDiffError } from '../lib/format/lz-diff-decode.js';
import {
  Pack,
  decodeReferencePart,
  groupStreamBase,
  groupStreamNames,
  locateEntry,
  tuplesToSymbols,
  unpackPart,
  zstdFrameContentSize,
} from '../lib/format/segment-decode.js';
import { CODE_IDENTITY, CODE_TO_LETTER, CODE_TO_COMPLEMENT_LETTER, LETTER_COMPLEMENT, reverseComplement, CODE_COMPLEMENT } from '../lib/format/letters.js';
import { copyContigRange, writeContigRange, makeLayout, segmentAt, writeWholeContig } from '../lib/format/contig-layout.js';
import { formatLines, formatRecord, StreamingRecordFormatter, wrapInPlace, wrappedSize } from '../lib/fasta/format-fasta.js';
import { ByteLru } from '../lib/read/byte-lru.js';
import { zstdCompress, zstdDecompress } from '../lib/native/zstd.js';
import { bytes2tuples } from '../lib/format/segment-codec.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const codes = (s: string) => Uint8Array.from(s, (c) => 'ACGTNRYSWKMBDHVU'.indexOf(c));
const letters = (a: Uint8Array) => Buffer.from(a).toString('latin1');

// A small deterministic PRNG so failures reproduce.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('lzDiffDecode (docs/format.md 5.5)', () => {
  const ref = codes('ACGTACGTTTGGCCAANNACGTACGTAC'); // 28 symbols
  const mml = 20;

  it('decodes literals, same-as-reference literals and N-runs', () => {
    // 'A'+c literal, '!' copies ref[pred], N-run 0x1E "L-4" 0x04
    const e = Uint8Array.from([0x41 + 2, 0x21, 0x21, 0x1e, 0x33, 0x04, 0x41 + 5]);
    // pred: G(pred 0->1), ref[1]=C, ref[2]=G, then 7 Ns (pred unchanged), then R
    // the reference is in output space: letters for CODE_TO_LETTER, codes for the identity
    const refL = Uint8Array.from(ref, (c) => CODE_TO_LETTER[c]);
    expect(letters(lzDiffDecode(refL, e, mml, CODE_TO_LETTER))).toBe('GCGNNNNNNNR');
    expect(Array.from(lzDiffDecode(ref, e, mml, CODE_IDENTITY))).toEqual([2, 1, 2, 4, 4, 4, 4, 4, 4, 4, 5]);
  });

  it('decodes matches with explicit length, negative offsets and copy-to-end', () => {
    const refL = Uint8Array.from(ref, (c) => CODE_TO_LETTER[c]);
    // match at pred 0 + 2, len 0 + mml(20) => ref[2..22); then pred=22, "-22." => rp 0 to end
    const e = enc('2,0.-22.');
    const out = lzDiffDecode(refL, e, mml, CODE_TO_LETTER);
    const r = letters(refL);
    expect(letters(out)).toBe(r.slice(2, 22) + r);
    // a literal after a match continues at pred
    const e2 = enc('0,1.!A');
    expect(letters(lzDiffDecode(refL, e2, mml, CODE_TO_LETTER))).toBe(r.slice(0, 21) + r[21] + 'A');
  });

  it('uses the expected length only as a size hint', () => {
    const e = enc('0,0.');
    expect(lzDiffDecode(ref, e, mml, CODE_IDENTITY, 5).length).toBe(20);
    expect(lzDiffDecode(ref, e, mml, CODE_IDENTITY, 100).length).toBe(20);
  });

  it('decodes in place, forward and reverse-complemented against the reverse-complemented reference', () => {
    const refL = Uint8Array.from(ref, (c) => CODE_TO_LETTER[c]);
    const refRc = reverseComplement(refL, LETTER_COMPLEMENT);
    const entries = ['2,0.-22.', '!!A\x1e0\x04C3,0.', 'GGT0.', '-0,3.T!'].map(enc);
    for (const e of entries) {
      const fwd = lzDiffDecode(refL, e, mml, CODE_TO_LETTER);
      const n = fwd.length;
      const dst = new Uint8Array(n + 6).fill(0x2a);
      lzDiffDecodeInto(refL, e, mml, CODE_TO_LETTER, dst, 3, n, false);
      expect(letters(dst)).toBe('***' + letters(fwd) + '***');
      dst.fill(0x2a);
      lzDiffDecodeInto(refRc, e, mml, CODE_TO_COMPLEMENT_LETTER, dst, 3, n, true);
      expect(letters(dst)).toBe('***' + letters(reverseComplement(fwd, LETTER_COMPLEMENT)) + '***');
      expect(() => lzDiffDecodeInto(refL, e, mml, CODE_TO_LETTER, new Uint8Array(n + 1), 0, n + 1, false)).toThrow(LzDiffError);
      expect(() => lzDiffDecodeInto(refL, e, mml, CODE_TO_LETTER, new Uint8Array(n), 0, n - 1, false)).toThrow(LzDiffError);
    }
  });

  it('rejects corrupt input instead of reading out of bounds', () => {
    expect(() => lzDiffDecode(ref, enc('30,0.'), mml, CODE_IDENTITY)).toThrow(LzDiffError);
    expect(() => lzDiffDecode(ref, enc('-1.'), mml, CODE_IDENTITY)).toThrow(LzDiffError);
    expect(() => lzDiffDecode(ref, enc('5,2'), mml, CODE_IDENTITY)).toThrow(LzDiffError);
    expect(() => lzDiffDecode(ref, Uint8Array.from([0x1e, 0x31]), mml, CODE_IDENTITY)).toThrow(LzDiffError);
    expect(() => lzDiffDecode(ref, enc('x'), mml, CODE_IDENTITY)).toThrow(LzDiffError);
    const bangs = new Uint8Array(29).fill(0x21);
    expect(() => lzDiffDecode(ref, bangs, mml, CODE_IDENTITY)).toThrow(LzDiffError);
  });
});

describe('reference parts (docs/format.md 5.3)', () => {
  it('unpacks tuples for every packing width and leftover count', () => {
    const rand = rng(7);
    for (const maxCode of [3, 5, 15, 30]) {
      for (let n = 1; n <= 13; n++) {
        const d = Uint8Array.from({ length: n }, () => Math.floor(rand() * (maxCode + 1)));
        d[0] = maxCode; // force the packing width
        const t = bytes2tuples(d);
        expect(Array.from(tuplesToSymbols(t, CODE_IDENTITY))).toEqual(Array.from(d));
      }
    }
    expect(letters(tuplesToSymbols(bytes2tuples(codes('ACGTTGCA')), CODE_TO_LETTER))).toBe('ACGTTGCA');
  });

  it('unpacks tuples reversed: with complemented letters that is the reverse complement', () => {
    const rand = rng(11);
    for (const maxCode of [3, 5, 15, 30]) {
      for (let n = 1; n <= 41; n++) {
        const d = Uint8Array.from({ length: n }, () => Math.floor(rand() * (maxCode + 1)));
        d[n >> 1] = maxCode;
        const t = bytes2tuples(d);
        const fwd = tuplesToSymbols(t, CODE_TO_LETTER);
        expect(letters(tuplesToSymbols(t, CODE_TO_COMPLEMENT_LETTER, true)), `n=${n} max=${maxCode}`).toBe(letters(reverseComplement(fwd, LETTER_COMPLEMENT)));
        expect(Array.from(tuplesToSymbols(t, CODE_IDENTITY, true))).toEqual(Array.from(d).reverse());
      }
    }
    expect(letters(tuplesToSymbols(bytes2tuples(codes('AACGTTGCAG')), CODE_TO_COMPLEMENT_LETTER, true))).toBe('CTGCAACGTT');
  });

  it('rejects a bad tuple marker', () => {
    expect(() => tuplesToSymbols(Uint8Array.from([1, 2, 0x53]), CODE_IDENTITY)).toThrow();
    expect(() => tuplesToSymbols(Uint8Array.from([1, 0x44]), CODE_IDENTITY)).toThrow();
  });

  it('decodes raw, plain-zstd and tuple-zstd references', () => {
    const d = codes('ACGTNACGTRYACGTACGTACGGGGTTTACNNNNNNCA'.repeat(5));
    // raw: metadata 0
    expect(letters(decodeReferencePart(d, 0, zstdDecompress, CODE_TO_LETTER))).toBe(letters(Uint8Array.from(d, (c) => CODE_TO_LETTER[c])));
    // plain: Z19(d) || 0x00, metadata n
    const plain = Uint8Array.from([...zstdCompress(d, 19), 0]);
    expect(Array.from(decodeReferencePart(plain, d.length, zstdDecompress, CODE_IDENTITY))).toEqual(Array.from(d));
    // tuples: Z13(tuples(d)) || 0x01, metadata n
    const tup = Uint8Array.from([...zstdCompress(bytes2tuples(d), 13), 1]);
    expect(Array.from(decodeReferencePart(tup, d.length, zstdDecompress, CODE_IDENTITY))).toEqual(Array.from(d));
    expect(() => decodeReferencePart(Uint8Array.from([...zstdCompress(d, 3), 7]), d.length, zstdDecompress, CODE_IDENTITY)).toThrow(/marker/);
    expect(() => decodeReferencePart(plain, d.length + 1, zstdDecompress, CODE_IDENTITY)).toThrow();
    // reversed (the reader's reverse-complemented references), every form
    const rc = letters(
      reverseComplement(
        Uint8Array.from(d, (c) => CODE_TO_LETTER[c]),
        LETTER_COMPLEMENT,
      ),
    );
    for (const [part, meta] of [
      [d, 0],
      [plain, d.length],
      [tup, d.length],
    ] as const)
      expect(letters(decodeReferencePart(part, meta, zstdDecompress, CODE_TO_COMPLEMENT_LETTER, true))).toBe(rc);
  });

  it('reads the content size from zstd frame headers of every size class', () => {
    for (const n of [0, 1, 200, 255, 256, 300, 65791, 65792, 100000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 7) & 3);
      expect(zstdFrameContentSize(zstdCompress(data, 3))).toBe(n);
    }
    expect(zstdFrameContentSize(Uint8Array.from([1, 2, 3, 4, 5, 6]))).toBeUndefined();
  });
});

describe('packs (docs/format.md 5.4)', () => {
  const entries = ['12,3.A!', 'C', '', '0.'].map(enc);
  const packBytes = Uint8Array.from(entries.flatMap((e) => [...e, 0xff]));

  it('splits on 0xFF terminators', () => {
    const p = new Pack(packBytes);
    expect(p.length).toBe(4);
    entries.forEach((e, i) => expect(Array.from(p.entry(i))).toEqual(Array.from(e)));
    expect(() => p.entry(4)).toThrow();
  });

  it('decompresses after stripping the marker byte, or takes stored packs as they are', () => {
    const stored = unpackPart(packBytes, 0, zstdDecompress);
    expect(Array.from(stored.entry(0))).toEqual(Array.from(entries[0]));
    const z = Uint8Array.from([...zstdCompress(packBytes, 17), 0]);
    const p = unpackPart(z, packBytes.length, zstdDecompress);
    expect(Array.from(p.data)).toEqual(Array.from(packBytes));
    expect(Array.from(p.entry(3))).toEqual(Array.from(entries[3]));
  });

  it('locates in-group ids: raw groups from 0, LZ groups from 1 after the reference', () => {
    expect(locateEntry(3, 0, 50)).toEqual({ part: 0, entry: 0 });
    expect(locateEntry(3, 57, 50)).toEqual({ part: 1, entry: 7 });
    expect(locateEntry(16, 0, 50)).toBe('reference');
    expect(locateEntry(16, 1, 50)).toEqual({ part: 0, entry: 0 });
    expect(locateEntry(16, 51, 50)).toEqual({ part: 1, entry: 0 });
    expect(locateEntry(17, 3, 1)).toEqual({ part: 2, entry: 0 });
  });
});

describe('stream names (docs/format.md 2.1)', () => {
  it('uses little-endian base-64 digits for v3', () => {
    const cases: [number, string][] = [
      [0, 'x0'],
      [15, 'xF'],
      [16, 'xG'],
      [36, 'xa'],
      [63, 'x#'],
      [64, 'x01'],
      [65, 'x11'],
      [4096, 'x001'],
    ];
    for (const [g, s] of cases) expect(groupStreamBase(g)).toBe(s);
    expect(groupStreamNames(16)).toEqual({ ref: 'xGr', delta: 'xGd' });
  });
});

describe('reverse complement (docs/format.md 5.1)', () => {
  it('gives the same result on the two-symbols-per-step path (even and odd lengths, views)', () => {
    const rand = rng(3);
    for (const n of [4096, 4097, 5000, 5001, 9999]) {
      const src = Uint8Array.from({ length: n + 2 }, () => 'ACGTNRYK'.charCodeAt(Math.floor(rand() * 8)));
      for (const view of [src.subarray(0, n), src.subarray(2, n + 2)]) {
        const want = new Uint8Array(n);
        for (let i = 0; i < n; i++) want[i] = LETTER_COMPLEMENT[view[n - 1 - i]];
        expect(Buffer.from(reverseComplement(view, LETTER_COMPLEMENT)).equals(Buffer.from(want))).toBe(true);
      }
    }
  });

  it('complements ACGT only and reverses', () => {
    expect(letters(reverseComplement(enc('AACGTNRYK'), LETTER_COMPLEMENT))).toBe('KYRNACGTT');
    expect(Array.from(reverseComplement(Uint8Array.from([0, 1, 2, 3, 4, 9]), CODE_COMPLEMENT))).toEqual([9, 4, 0, 1, 2, 3]);
  });
});

describe('contig reconstruction (docs/format.md 5.7, 5.8)', () => {
  // Build a contig, cut it into overlapping segments, store some reverse-complemented,
  // and check every range against the original.
  function makeCase(seed: number, k: number) {
    const rand = rng(seed);
    const alphabet = 'ACGTACGTACGTNRYKM';
    const len = 40 + Math.floor(rand() * 80);
    const contig = Uint8Array.from({ length: len }, () => alphabet.charCodeAt(Math.floor(rand() * alphabet.length)));
    const segs: Uint8Array[] = [];
    const rc: number[] = [];
    // first segment may be exactly k long
    let start = 0;
    let end = Math.min(len, k + Math.floor(rand() * 20));
    for (;;) {
      const piece = contig.slice(start, end);
      const rev = rand() < 0.4 ? 1 : 0;
      segs.push(rev ? reverseComplement(piece, LETTER_COMPLEMENT) : piece);
      rc.push(rev);
      if (end >= len) break;
      start = end - k;
      end = Math.min(len, end + 1 + Math.floor(rand() * 25));
    }
    const n = segs.length;
    const layout = makeLayout(
      'ctg',
      k,
      Uint32Array.from({ length: n }, (_, i) => i),
      new Uint32Array(n),
      Uint32Array.from(segs, (s) => s.length),
      Uint8Array.from(rc),
    );
    return { contig, segs, layout };
  }

  it('computes the contig length as sum(raw) - (n-1)k', () => {
    for (let seed = 1; seed < 20; seed++) {
      const { contig, layout } = makeCase(seed, 5);
      expect(layout.length).toBe(contig.length);
    }
    expect(makeLayout('e', 31, new Uint32Array(0), new Uint32Array(0), new Uint32Array(0), new Uint8Array(0)).length).toBe(0);
  });

  it('extracts every range, decoding only the overlapping segments', () => {
    for (let seed = 1; seed < 12; seed++) {
      const k = 3 + (seed % 5);
      const { contig, segs, layout } = makeCase(seed, k);
      const oriented = segs.map((sg, j) => (layout.revComp[j] ? reverseComplement(sg, LETTER_COMPLEMENT) : sg));
      const whole = new Uint8Array(contig.length + 4).fill(0x3f);
      writeWholeContig(layout, k, (_l, j, d, off) => d.set(oriented[j], off), whole, 2);
      expect(letters(whole.subarray(2, 2 + contig.length))).toBe(letters(contig));
      expect(whole[1]).toBe(0x3f);
      expect(whole[contig.length + 2]).toBe(0x3f);
      for (let from = 0; from <= contig.length; from++) {
        for (let to = from; to <= contig.length; to += 1 + (seed % 3)) {
          const used = new Set<number>();
          const dst = new Uint8Array(to - from);
          const n = writeContigRange(layout, k, from, to, (_l, j, i0, count, d, q) => (used.add(j), d.set(oriented[j].subarray(i0, i0 + count), q)), dst);
          expect(n).toBe(to - from);
          expect(letters(dst)).toBe(letters(contig.subarray(from, to)));
          for (const j of used) expect(layout.starts[j] < to && layout.starts[j + 1] > from).toBe(true);
        }
      }
    }
  });

  it('finds the segment containing a position', () => {
    const { layout } = makeCase(3, 4);
    for (let p = 0; p < layout.length; p++) {
      const j = segmentAt(layout, p);
      expect(layout.starts[j] <= p && p < layout.starts[j + 1]).toBe(true);
    }
  });

  it('rejects a segment whose decoded length differs from its raw length', () => {
    const { segs, layout } = makeCase(5, 4);
    const bad = (_l: unknown, j: number) => (j === 0 ? segs[0].subarray(1) : segs[j]);
    expect(() => copyContigRange(layout, 4, 0, layout.length, bad, new Uint8Array(layout.length))).toThrow(/corrupted/);
  });
});

describe('FASTA formatting (docs/format.md 6.3, 6.4)', () => {
  it('wraps into lines of exactly L, every line terminated, empty sequence = header only', () => {
    expect(formatRecord('n x', enc('ACGTA'), 2).toString()).toBe('>n x\nAC\nGT\nA\n');
    expect(formatRecord('n', enc('ACGT'), 2).toString()).toBe('>n\nAC\nGT\n');
    expect(formatRecord('n', new Uint8Array(0), 80).toString()).toBe('>n\n');
    expect(wrappedSize(160, 80)).toBe(162);
    expect(wrappedSize(161, 80)).toBe(164);
  });

  it('wraps text placed at the tail of a buffer in place', () => {
    const rand = rng(5);
    for (let t = 0; t < 100; t++) {
      const L = 1 + Math.floor(rand() * 10);
      const n = Math.floor(rand() * 50);
      const seq = Uint8Array.from({ length: n }, () => 65 + Math.floor(rand() * 4));
      const lines = Math.ceil(n / L);
      const buf = new Uint8Array(3 + n + lines);
      buf.set(seq, 3 + lines);
      const end = wrapInPlace(buf, 3 + lines, n, 3, L);
      expect(end).toBe(buf.length);
      expect(letters(buf.subarray(3))).toBe(formatLines(seq, L).toString('latin1'));
    }
  });

  it('streams pieces with the column carried, identical to whole-record output', () => {
    const rand = rng(11);
    for (let t = 0; t < 200; t++) {
      const L = 1 + Math.floor(rand() * 12);
      const seq = Uint8Array.from({ length: Math.floor(rand() * 60) }, () => 65 + Math.floor(rand() * 4));
      const f = new StreamingRecordFormatter(L);
      const parts = [f.start('h')];
      let p = 0;
      while (p < seq.length) {
        const q = Math.min(seq.length, p + Math.floor(rand() * 15));
        parts.push(f.piece(seq.subarray(p, q)));
        p = q;
      }
      parts.push(f.end(false));
      expect(Buffer.concat(parts).toString()).toBe(formatRecord('h', seq, L).toString());
    }
  });

  it("reproduces upstream streaming's extra newline for an empty sequence only", () => {
    const f = new StreamingRecordFormatter(80);
    expect(Buffer.concat([f.start('e'), f.end(true)]).toString()).toBe('>e\n\n');
    expect(Buffer.concat([f.start('e'), f.piece(enc('AC')), f.end(true)]).toString()).toBe('>e\nAC\n');
    const g = new StreamingRecordFormatter(2);
    expect(Buffer.concat([g.start('e'), g.piece(enc('AC')), g.end(true)]).toString()).toBe('>e\nAC\n');
  });
});

describe('ByteLru', () => {
  it('evicts least recently used entries beyond the byte budget', () => {
    const c = new ByteLru<string, number>(10);
    c.set('a', 1, 4);
    c.set('b', 2, 4);
    expect(c.get('a')).toBe(1); // a is now most recent
    c.set('c', 3, 4); // evicts b
    expect(c.has('b')).toBe(false);
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.byteSize).toBe(8);
    c.set('huge', 4, 11); // larger than the budget: not cached, nothing evicted
    expect(c.has('huge')).toBe(false);
    expect(c.size).toBe(2);
    c.set('a', 5, 2);
    expect(c.byteSize).toBe(6);
  });
});
