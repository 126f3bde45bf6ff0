// k-mers on uint32 halves (docs/format.md 7.2), MurMur64 (docs/format.md 7.9) and the k-mer containers.
import { describe, expect, it } from 'vitest';
import { codesFromString } from '../lib/format/alphabet.js';
import { KmerScanner, canonicalKmers, compareKmers, fromBigInt, toBigInt } from '../lib/write/kmer/kmer.js';
import { KmerCounter, KmerList, KmerMap, KmerSet, SortedKmers, murmur64, murmur64Big, murmur64Lo, sortKmerPairs } from '../lib/write/kmer/kmer-set.js';
import { mulHi32 } from '../lib/write/kmer/murmur64.js';
import { rngU32 } from './helpers/random.js';

/** Independent bigint k-mer of seq[i..i+k): left-aligned forward and reverse complement. */
function naiveKmer(seq: Uint8Array, i: number, k: number): { dir: bigint; rc: bigint } {
  let dir = 0n;
  let rc = 0n;
  for (let j = 0; j < k; j++) {
    dir = (dir << 2n) | BigInt(seq[i + j]!);
    rc = (rc << 2n) | BigInt(3 - seq[i + k - 1 - j]!);
  }
  const shift = BigInt(64 - 2 * k);
  return { dir: dir << shift, rc: rc << shift };
}

describe('KmerScanner', () => {
  it('left-aligns as upstream: all-A = 0, all-T canonical 0, A..AC', () => {
    const s = new KmerScanner(17);
    for (let i = 0; i < 17; i++) s.push(0);
    expect(s.isFull()).toBe(true);
    expect(toBigInt(s.dirHi, s.dirLo)).toBe(0n);
    expect(toBigInt(s.rcHi, s.rcLo)).toBe(((1n << 34n) - 1n) << 30n); // all T, left-aligned
    expect(s.canonical()).toBe(0n);
    s.push(1); // AAAA...AC
    expect(toBigInt(s.dirHi, s.dirLo)).toBe(1n << 30n);
    expect(s.isDirOriented()).toBe(true);
    const t = new KmerScanner(32);
    for (let i = 0; i < 32; i++) t.push(3);
    expect(toBigInt(t.dirHi, t.dirLo)).toBe(0xffffffffffffffffn);
    expect(t.canonical()).toBe(0n);
    expect(t.isDirOriented()).toBe(false);
  });

  it('matches a bigint reference on random sequences with N resets, for k = 17, 21, 25, 31, 32', () => {
    const next = rngU32(7);
    for (const k of [17, 21, 25, 31, 32]) {
      const seq = new Uint8Array(3000);
      for (let i = 0; i < seq.length; i++) seq[i] = next() % 97 === 0 ? 4 : next() & 3;
      const s = new KmerScanner(k);
      let run = 0;
      let checked = 0;
      for (let i = 0; i < seq.length; i++) {
        const x = seq[i]!;
        if (x > 3) {
          s.reset();
          run = 0;
          expect(s.isFull()).toBe(false);
          continue;
        }
        s.push(x);
        run++;
        expect(s.isFull()).toBe(run >= k);
        if (run >= k) {
          const ref = naiveKmer(seq, i - k + 1, k);
          expect(toBigInt(s.dirHi, s.dirLo)).toBe(ref.dir);
          expect(toBigInt(s.rcHi, s.rcLo)).toBe(ref.rc);
          expect(s.canonical()).toBe(ref.dir < ref.rc ? ref.dir : ref.rc);
          expect(s.isDirOriented()).toBe(ref.dir <= ref.rc);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(1000);
    }
  });

  it('treats palindromes as direct and swapDirRc flips orientation', () => {
    // A reverse-complement palindrome needs an even k: half + reverse complement of half.
    const half = codesFromString('ACGGTCAAG');
    const seq = new Uint8Array(18);
    seq.set(half);
    for (let i = 0; i < 9; i++) seq[9 + i] = 3 - half[8 - i]!;
    const s = new KmerScanner(18);
    for (const x of seq) s.push(x);
    expect(s.isAsymmetric()).toBe(false);
    expect(s.isDirOriented()).toBe(true);
    s.swapDirRc();
    expect(s.isDirOriented()).toBe(true);

    const a = new KmerScanner(17);
    for (const x of codesFromString('TTTTTTTTTTTTTTTTG')) a.push(x);
    expect(a.isDirOriented()).toBe(false);
    const canon = a.canonical();
    a.swapDirRc();
    expect(a.isDirOriented()).toBe(true);
    expect(a.canonical()).toBe(canon);
    const b = new KmerScanner(17);
    b.copyFrom(a);
    expect(b.canonical()).toBe(canon);
    b.reset();
    expect([b.dirHi, b.dirLo, b.rcHi, b.rcLo, b.len]).toEqual([0, 0, 0, 0, 0]);
  });

  it('canonicalKmers lists full windows only', () => {
    expect(canonicalKmers(codesFromString('ACGTACGTACGTACGTA'), 17).length).toBe(1);
    expect(canonicalKmers(codesFromString('ACGTACGTACGTACGTANACGT'), 17).length).toBe(1);
    expect(canonicalKmers(codesFromString('ACGTACGTACGTACGTACC'), 17).length).toBe(3);
  });

  it('rejects k outside 17..32', () => {
    expect(() => new KmerScanner(16)).toThrow(RangeError);
    expect(() => new KmerScanner(33)).toThrow(RangeError);
  });
});

describe('compare / bigint conversion', () => {
  it('orders as unsigned 64-bit', () => {
    expect(compareKmers(0xffffffff, 0, 0x7fffffff, 0xffffffff)).toBe(1);
    expect(compareKmers(1, 2, 1, 3)).toBe(-1);
    expect(compareKmers(5, 0x80000000, 5, 0x80000000)).toBe(0);
    expect(toBigInt(0xdeadbeef, 0x01234567)).toBe(0xdeadbeef01234567n);
    expect(fromBigInt(0xdeadbeef01234567n)).toEqual([0xdeadbeef, 0x01234567]);
    expect(fromBigInt(-1n)).toEqual([0xffffffff, 0xffffffff]);
  });
});

describe('murmur64', () => {
  it('gives the exact uint64 values (checked independently)', () => {
    const known: [bigint, bigint][] = [
      [0n, 0n],
      [1n, 0xb456bcfc34c2cb2cn],
      [0xffffffffffffffffn, 0x64b5720b4b825f21n],
      [0x123456789abcdef0n, 0x18b8c062f6f42398n],
      [0xdeadbeefn, 0xd24bd59f862a1dacn],
    ];
    for (const [x, h] of known) {
      const [hi, lo] = fromBigInt(x);
      expect(toBigInt(...murmur64(hi, lo))).toBe(h);
      expect(murmur64Big(x)).toBe(h);
      expect(murmur64Lo(hi, lo)).toBe(Number(h & 0xffffffffn));
    }
  });

  it('matches the bigint reference on random values', () => {
    const next = rngU32(99);
    for (let i = 0; i < 2000; i++) {
      const hi = next();
      const lo = next();
      const h = murmur64Big(toBigInt(hi, lo));
      expect(toBigInt(...murmur64(hi, lo))).toBe(h);
      expect(murmur64Lo(hi, lo)).toBe(Number(h & 0xffffffffn));
    }
  });

  it('mulHi32 is the high word of the 64-bit product', () => {
    const next = rngU32(3);
    for (const [a, b] of [
      [0xffffffff, 0xffffffff],
      [0, 0xffffffff],
      [0x10000, 0x10000],
    ] as [number, number][]) {
      expect(mulHi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
    for (let i = 0; i < 1000; i++) {
      const a = next();
      const b = next();
      expect(mulHi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });
});

describe('k-mer containers', () => {
  it('KmerSet: add/has/size, growth, ~0 as a key, sorted export', () => {
    const s = new KmerSet(4);
    const next = rngU32(11);
    const ref = new Set<bigint>();
    for (let i = 0; i < 5000; i++) {
      const hi = next() & 0xff; // many collisions in hi
      const lo = next();
      const added = s.add(hi, lo);
      const key = toBigInt(hi, lo);
      expect(added).toBe(!ref.has(key));
      ref.add(key);
      if (i % 7 === 0) expect(s.add(hi, lo)).toBe(false);
    }
    expect(s.add(0xffffffff, 0xffffffff)).toBe(true);
    ref.add(0xffffffffffffffffn);
    expect(s.size).toBe(ref.size);
    expect(s.has(0xffffffff, 0xffffffff)).toBe(true);
    expect(s.has(0x100, 5)).toBe(false);
    expect(s.hasBig(0xffffffffffffffffn)).toBe(true);
    const sorted = s.toSortedBigUint64Array();
    expect(Array.from(sorted)).toEqual([...ref].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    let visited = 0;
    s.forEach(() => visited++);
    expect(visited).toBe(ref.size);
    expect([...s].length).toBe(ref.size);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.has(0xffffffff, 0xffffffff)).toBe(false);
  });

  it('KmerMap keeps values with their keys across growth', () => {
    const m = new KmerMap<string>(2);
    for (let i = 0; i < 3000; i++) m.set(i >>> 3, Math.imul(i, 0x9e3779b1) >>> 0, `v${i}`);
    expect(m.size).toBe(3000);
    for (let i = 0; i < 3000; i++) expect(m.get(i >>> 3, Math.imul(i, 0x9e3779b1) >>> 0)).toBe(`v${i}`);
    expect(m.get(9999, 1)).toBeUndefined();
    const list = m.getOrCreate(7, 7, () => 'new');
    expect(list).toBe('new');
    expect(m.getOrCreate(7, 7, () => 'other')).toBe('new');
  });

  it('KmerMap claimValue/setClaimed give every new key its own value, also when the claim grows the table', () => {
    const m = new KmerMap<number[]>(2);
    const key = (i: number): [number, number] => [i >>> 3, Math.imul(i, 0x9e3779b1) >>> 0];
    for (let i = 0; i < 3000; i++) {
      const [hi, lo] = key(i);
      expect(m.claimValue(hi, lo)).toBeUndefined(); // a new key: never another key's value
      m.setClaimed(hi, lo, [i]);
      m.claimValue(hi, lo)!.push(-i); // an existing key: its own value
    }
    expect(m.size).toBe(3000);
    let seen = 0;
    m.forEach((v, hi, lo) => {
      expect(key(v[0]!)).toEqual([hi, lo]);
      expect(v).toEqual([v[0], -v[0]!]);
      seen++;
    });
    expect(seen).toBe(3000);
  });

  it('KmerCounter saturates at 2 and splits singletons from duplicates', () => {
    const c = new KmerCounter();
    for (const [h, l] of [
      [1, 1],
      [1, 2],
      [1, 2],
      [0, 9],
      [1, 2],
      [5, 0],
    ] as [number, number][])
      c.add(h, l);
    expect(c.count(1, 2)).toBe(2);
    expect(c.count(1, 1)).toBe(1);
    expect(c.count(3, 3)).toBe(0);
    const { singletons, duplicates } = c.split();
    expect(Array.from(singletons.toBigUint64Array())).toEqual([9n, (1n << 32n) | 1n, 5n << 32n]);
    expect(Array.from(duplicates.toBigUint64Array())).toEqual([(1n << 32n) | 2n]);
  });

  it('sortKmerPairs sorts as unsigned 64-bit (radix and small paths)', () => {
    const next = rngU32(5);
    for (const n of [0, 1, 10, 255, 256, 20000]) {
      const hi = new Uint32Array(n);
      const lo = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        hi[i] = i % 3 === 0 ? 0x80000000 + (next() & 3) : next() & 0xffff0000;
        lo[i] = next();
      }
      const ref = Array.from({ length: n }, (_, i) => toBigInt(hi[i]!, lo[i]!)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      sortKmerPairs(hi, lo, n);
      expect(Array.from({ length: n }, (_, i) => toBigInt(hi[i]!, lo[i]!))).toEqual(ref);
    }
  });

  it('SortedKmers: membership, difference, bigint construction', () => {
    const a = SortedKmers.fromBigInts([5n, 1n, 0xffff000000000001n, 1n, 0x0001000000000000n, 0x0000ffff00000000n]);
    expect(Array.from(a.toBigUint64Array())).toEqual([1n, 5n, 0x0000ffff00000000n, 0x0001000000000000n, 0xffff000000000001n]);
    expect(a.size).toBe(5);
    expect(a.has(0, 5)).toBe(true);
    expect(a.has(0, 4)).toBe(false);
    expect(a.has(0xffff0000, 1)).toBe(true);
    expect(a.has(0xffff0000, 2)).toBe(false);
    expect(a.has(0x0000ffff, 0)).toBe(true);
    expect(a.indexOf(0x00010000, 0)).toBe(3);
    const b = SortedKmers.fromBigInts([5n, 0x0001000000000000n, 77n]);
    expect(Array.from(a.difference(b).toBigUint64Array())).toEqual([1n, 0x0000ffff00000000n, 0xffff000000000001n]);
    expect(SortedKmers.empty().has(0, 0)).toBe(false);
  });

  it('KmerList grows', () => {
    const l = new KmerList(1);
    for (let i = 0; i < 100; i++) l.push(i, i + 1);
    expect(l.length).toBe(100);
    expect(l.toBigInts()[99]).toBe((99n << 32n) | 100n);
  });
});
