// LZ-diff V2 encoder side (docs/format.md 7.5, 5.6): hand-checked examples and byte-exact
// re-encoding of every delta stored in golden archives.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LzDiff } from '../lib/write/lz-diff-encode.js';
import { TestArchive } from './helpers/agc-container.js';
import { goldenGroups, lzDecode } from './helpers/golden-groups.js';
import { caseDir } from './shared-data.js';
import { zstdDecompress } from '../lib/native/zstd.js';
import { rngU32 } from './helpers/random.js';
import { lzDiffDecode, lzDiffDecodeRange } from '../lib/format/lz-diff-decode.js';
import { CODE_TO_LETTER } from '../lib/format/letters.js';

const binding = { zstdDecompress };

// A fixed random ACGT reference of 100 symbols (no 12-mer repeats, so no spurious matches).
const REF = (() => {
  const next = rngU32(2024);
  return Uint8Array.from({ length: 100 }, () => next() & 3);
})();
const lit = (c: number) => String.fromCharCode(0x41 + c);
const str = (a: Uint8Array) => Buffer.from(a).toString('latin1');
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const other = (c: number) => (c + 1) & 3;

/** Non-zero entries of a cost vector as [position, cost]. */
const nz = (v: Uint32Array) => Array.from(v).flatMap((c, i) => (c ? [[i, c]] : []));

describe('LzDiff hand examples (L = 15, kl = 12, R = 100)', () => {
  const lz = new LzDiff(REF, 15);

  it('sizes the index from the valid codes at positions 0 mod 4', () => {
    lz.ensureIndex();
    // 23 positions 0,4,...,88 have 12 symbols inside the reference: floor(23/0.7) = 32 -> 32 -> 64 slots
    expect(lz.indexSize).toBe(64);
    expect(lz.keyLen).toBe(12);
    expect(new LzDiff(new Uint8Array(0), 20).estimate(Uint8Array.from([0, 1]))).toBe(2);
  });

  it('a text equal to the reference encodes to nothing and estimates 0', () => {
    expect(lz.encode(REF).length).toBe(0);
    expect(lz.estimate(REF)).toBe(0);
    expect(nz(lz.costs(REF, true))).toEqual([[0, 1 + 2 + 2]]); // one match 0,85 (no end special case)
  });

  it('one substitution: match, literal, match to the end', () => {
    const t = Uint8Array.from(REF);
    t[50] = other(REF[50]!);
    expect(str(lz.encode(t))).toBe(`0,35.${lit(t[50]!)}0.`);
    // Estimate: 5 + 1 + 1 (literal later rewound by the encoder) + 5, then 12 + (100 - 101) = 11.
    expect(lz.estimate(t)).toBe(11);
    expect(lz.estimate(t, 3)).toBe(5); // early exit at the top of the loop once cost > bound
    expect(nz(lz.costs(t, true))).toEqual([
      [0, 5],
      [50, 1],
      [51, 5],
    ]);
    expect(nz(lz.costs(t, false))).toEqual([
      [49, 5],
      [50, 1],
      [99, 5],
    ]);
  });

  it("literals equal to the reference before a match at the predicted position become '!'", () => {
    const t = Uint8Array.from(REF);
    t[50] = other(REF[50]!);
    t[52] = other(REF[52]!);
    // 50..55 are literals; the match found at 56 extends back to 53; literal 51 equals ref[51].
    expect(str(lz.encode(t))).toBe(`0,35.${lit(t[50]!)}!${lit(t[52]!)}0.`);
  });

  it('N runs of 4 or more: 0x1E decimal(r-4) 0x04, pred unchanged', () => {
    const t = cat(REF.subarray(0, 40), new Array(10).fill(4), REF.subarray(40));
    expect(str(lz.encode(t))).toBe('0,25.\x1e6\x040.');
    expect(lz.estimate(t)).toBe(5 + (2 + 2) + 2); // N run costed with ulen(10), not ulen(6)
    expect(nz(lz.costs(t, true))).toEqual([
      [0, 5],
      [40, 3],
      [50, 1 + 2 + 2],
    ]);
    expect(nz(lz.costs(t, false))[1]).toEqual([49, 3]);
  });

  it('short N runs are literals and break the backward extension', () => {
    const t = cat(REF.subarray(0, 40), [4, 4, 4], REF.subarray(40));
    expect(str(lz.encode(t))).toBe('0,25.EEE-3.');
  });

  it('negative offsets and matches that reach the text end but not the reference end', () => {
    const t = cat(REF.subarray(50), REF.subarray(0, 50));
    expect(str(lz.encode(t))).toBe('50,35.-100,35.');
    // Estimate without rewinding: 1+1+6 | 1+1+8, i overshoots to 102 -> 18 - 2 = 16.
    expect(lz.estimate(t)).toBe(16);
    expect(nz(lz.costs(t, true))).toEqual([
      [0, 2 + 2 + 2],
      [50, 3 + 1 + 2 + 2],
    ]);
  });

  it('needs a match longer than L; short texts are literals, tail literals never get "!"', () => {
    expect(str(lz.encode(REF.subarray(0, 12)))).toBe(Array.from(REF.subarray(0, 12), lit).join(''));
    expect(str(lz.encode(REF.subarray(0, 15)))).toBe(Array.from(REF.subarray(0, 15), lit).join(''));
    expect(str(lz.encode(REF.subarray(0, 16)))).toBe('0,1.');
    expect(lz.estimate(REF.subarray(0, 16))).toBe(4);
    expect(str(lz.encode(REF.subarray(0, 99)))).toBe('0,84.');
  });

  it('a first literal followed by a match back-extended to position 1', () => {
    const t = Uint8Array.from(REF);
    t[0] = other(REF[0]!);
    expect(str(lz.encode(t))).toBe(`${lit(t[0]!)}0.`);
  });

  it('literal codes keep IUPAC and other codes verbatim; inserted literals advance pred', () => {
    const t = cat(REF.subarray(0, 30), [5, 15, 30, 32], REF.subarray(30));
    // 30 and 31 are not indexed: literals, then taken back by the match found at 36 (pred 34 -> -4)
    expect(str(lz.encode(t))).toBe(`0,15.FP_a-4.`);
  });

  it('is reusable: the same text gives the same bytes, results are fresh arrays', () => {
    const t = cat(REF.subarray(10), REF.subarray(0, 10));
    const a = lz.encode(t);
    const b = lz.encode(t);
    expect(b).not.toBe(a);
    expect(str(b)).toBe(str(a));
    expect(lzDecode(REF, a, 15)).toEqual(t);
  });

  it('rejects L outside 15..32', () => {
    expect(() => new LzDiff(REF, 14)).toThrow(RangeError);
    expect(() => new LzDiff(REF, 33)).toThrow(RangeError);
  });
});

describe('LzDiff on larger random data (round trip through an independent decoder)', () => {
  it('round-trips mutated texts for L = 15, 16, 20, 32', () => {
    const next = rngU32(77);
    const ref = Uint8Array.from({ length: 20000 }, () => (next() % 500 === 0 ? 4 : next() & 3));
    for (const L of [15, 16, 20, 32]) {
      const lz = new LzDiff(ref, L);
      for (let rep = 0; rep < 5; rep++) {
        const parts: number[] = [];
        let p = 0;
        while (p < ref.length) {
          const r = next() % 100;
          if (r < 3) parts.push(...new Array(next() % 30).fill(4));
          else if (r < 6) p += next() % 50;
          else if (r < 9) parts.push(next() % 16);
          const len = next() % 700;
          for (let j = 0; j < len && p < ref.length; j++) parts.push(ref[p++]!);
        }
        const text = Uint8Array.from(parts);
        const enc = lz.encode(text);
        expect(lzDecode(ref, enc, L)).toEqual(text);
        expect(enc.length).toBeLessThan(text.length / 5);
        const sum = lz.costs(text, true).reduce((s, c) => s + c, 0);
        expect(lz.costs(text, false).reduce((s, c) => s + c, 0)).toBe(sum);
        expect(lz.costs(text, true).length).toBe(text.length);
        // into a reused, longer array (left dirty): the same costs, as a view of its start
        const out = new Uint32Array(text.length + 9).fill(0xdead);
        for (const prefix of [true, false]) {
          const v = lz.costs(text, prefix, out);
          expect(v.buffer).toBe(out.buffer);
          expect(v).toEqual(lz.costs(text, prefix));
          expect(out[text.length]).toBe(0xdead);
        }
        // any range decoded alone equals the same range of the whole decode
        const whole = lzDiffDecode(
          ref.map((c) => CODE_TO_LETTER[c]!),
          enc,
          L,
          CODE_TO_LETTER,
          text.length,
        );
        const letters = ref.map((c) => CODE_TO_LETTER[c]!);
        const pick = rngU32(L * 10 + rep);
        for (let t = 0; t < 40; t++) {
          const from = pick() % (text.length + 1);
          const to = Math.min(text.length, from + (t < 20 ? pick() % 50 : pick() % 5000));
          const dst = new Uint8Array(to - from + 2).fill(0x3f);
          lzDiffDecodeRange(letters, enc, L, CODE_TO_LETTER, text.length, from, to, dst, 1);
          expect(str(dst.subarray(1, 1 + to - from))).toBe(str(whole.subarray(from, to)));
          expect(dst[0]).toBe(0x3f);
          expect(dst[dst.length - 1]).toBe(0x3f);
        }
      }
    }
  });

  it('range decoding reports an entry shorter than the range', () => {
    const letters = REF.map((c) => CODE_TO_LETTER[c]!);
    const enc = new LzDiff(REF, 15).encode(REF.subarray(0, 60));
    expect(() => lzDiffDecodeRange(letters, enc, 15, CODE_TO_LETTER, 100, 50, 80, new Uint8Array(30), 0)).toThrow(/decodes to 60 symbols/);
  });
});

describe('LzDiff.buildIndexes', () => {
  const indexOf = (c: LzDiff): Int32Array | null => (c as unknown as { index: Int32Array | null }).index;

  it('builds the same index as the lazy build, shared coders in shared memory, for any thread count', () => {
    const next = rngU32(77);
    const refs = [50, 3000, 12345, 999].map((n) => Uint8Array.from({ length: n }, () => (next() % 50 === 0 ? 4 : next() & 3)));
    const text = refs[2]!.slice();
    text[100] = (text[100]! + 1) & 3;
    for (const threads of [1, 3]) {
      const lazy = refs.map((r) => new LzDiff(r, 18));
      const batch = refs.map((r, i) => new LzDiff(r, 18, i % 2 === 0));
      const other = new LzDiff(refs[1]!, 20); // another match length: a call of its own
      LzDiff.buildIndexes([...batch, other, batch[1]!], threads);
      lazy.forEach((c, i) => {
        c.ensureIndex();
        expect(indexOf(batch[i]!)).toEqual(indexOf(c));
        expect(indexOf(batch[i]!)!.buffer).toBeInstanceOf(i % 2 === 0 ? SharedArrayBuffer : ArrayBuffer);
      });
      const lazyOther = new LzDiff(refs[1]!, 20);
      lazyOther.ensureIndex();
      expect(indexOf(other)).toEqual(indexOf(lazyOther));
      expect(indexOf(other)).not.toEqual(indexOf(batch[1]!));
      expect(batch[0]!.shared().index).toBe(indexOf(batch[0]!)); // no second build
      expect(batch[2]!.encode(text)).toEqual(lazy[2]!.encode(text));
      expect(batch[2]!.encode(text).length).toBeGreaterThan(0);
      expect(batch[3]!.estimate(text)).toBe(lazy[3]!.estimate(text));
    }
  });
});

describe('golden archives: re-encoding every stored delta', () => {
  for (const id of ['mers-tiny-default', 'mers-tiny-params', 'saureus-6-default', 'saureus-6-fallback']) {
    it(`${id}: LzDiff.encode(decoded entry) == stored entry`, () => {
      const a = new TestArchive(path.join(caseDir(id), 'archive.agc'));
      const { L } = a.params();
      let entries = 0;
      for (const g of goldenGroups(a, binding.zstdDecompress)) {
        const lz = new LzDiff(g.reference, L);
        for (const p of g.packs) {
          for (const e of p.entries) {
            const text = lzDecode(g.reference, e, L);
            const re = lz.encode(text);
            if (str(re) !== str(e)) expect.fail(`group ${g.id}: re-encoded entry differs`);
            // the cost vector prices exactly the encoder's tokens, except a final match to the end
            const diff = lz.costs(text, false).reduce((s, c) => s + c, 0) - e.length;
            expect(diff === 0 || (diff >= 2 && diff <= 11)).toBe(true);
            expect(lz.estimate(text)).toBeGreaterThan(0);
            entries++;
          }
        }
      }
      expect(entries).toBeGreaterThan(3);
    });
  }
});
