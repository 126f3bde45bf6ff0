// Splitters (docs/format.md 7.2): golden splitter sets, and the walk / mining / fallback pieces
// against an independent bigint re-statement of the spec's pseudo-code.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFastaContigs } from '../lib/fasta/read-fasta.js';
import { KmerScanner, canonicalKmers, toBigInt } from '../lib/write/kmer/kmer.js';
import { KmerSet, SortedKmers, murmur64Big } from '../lib/write/kmer/kmer-set.js';
import {
  CandidateCollector,
  FallbackFilter,
  FallbackMap,
  FallbackRecords,
  addFallbackKmers,
  applyFallbackRecord,
  applyFallbackRecords,
  findCandidates,
  findCandidatesAsync,
  findSplittersInContig,
  ScannedMiningReference,
  SortedMiningReference,
  mineNewSplitters,
  newWalkResult,
  walkNewSplitters,
} from '../lib/write/splitters.js';
import { TestArchive } from './helpers/agc-container.js';
import { referenceSplitters as nativeReferenceSplitters } from '../lib/native/kmer.js';
import { fallbackFilterIndices, fallbackKmers } from '../lib/write/native-scans.js';
import { AgcInputError } from '../lib/errors.js';
import { caseDir, datasetDir } from './shared-data.js';
import { rngU32 } from './helpers/random.js';

const NONE = 0xffffffffffffffffn;

function randomSeq(len: number, seed: number, nEvery = 0): Uint8Array {
  const next = rngU32(seed);
  const s = new Uint8Array(len);
  for (let i = 0; i < len; i++) s[i] = nEvery && next() % nEvery === 0 ? 4 : next() & 3;
  return s;
}

/** Full windows of seq as { end, canon, dir, rc } in bigint (independent of KmerScanner). */
function windows(seq: Uint8Array, k: number): { end: number; canon: bigint; dirOriented: boolean; sym: boolean }[] {
  const out = [];
  const shift = BigInt(64 - 2 * k);
  let run = 0;
  for (let i = 0; i < seq.length; i++) {
    if (seq[i]! > 3) {
      run = 0;
      continue;
    }
    run++;
    if (run >= k) {
      let dir = 0n;
      let rc = 0n;
      for (let j = 0; j < k; j++) {
        dir = (dir << 2n) | BigInt(seq[i - k + 1 + j]!);
        rc = (rc << 2n) | BigInt(3 - seq[i - j]!);
      }
      dir <<= shift;
      rc <<= shift;
      out.push({ end: i, canon: dir < rc ? dir : rc, dirOriented: dir <= rc, sym: dir === rc });
    }
  }
  return out;
}

const THR_XOR = 0xd73f8bf11046c40en;
const naiveFilter = (thr: bigint) => (x: bigint) => thr !== 0n && (murmur64Big(x) ^ THR_XOR) < thr;

/** The walk of 2.3 written directly from the pseudo-code, on bigints. */
function naiveWalk(seq: Uint8Array, k: number, S: number, cand: Set<bigint>, filter: ((x: bigint) => boolean) | null) {
  const splitters: bigint[] = [];
  const records: { s1: bigint; s2: bigint; x: bigint; dir: boolean }[] = [];
  let dist = S;
  let recent: bigint[] = [];
  let prev = NONE;
  let fb: { x: bigint; dir: boolean }[] = [];
  let run = 0;
  const shift = BigInt(64 - 2 * k);
  for (let i = 0; i < seq.length; i++) {
    if (seq[i]! > 3) run = 0;
    else {
      run++;
      if (run >= k) {
        let dir = 0n;
        let rc = 0n;
        for (let j = 0; j < k; j++) {
          dir = (dir << 2n) | BigInt(seq[i - k + 1 + j]!);
          rc = (rc << 2n) | BigInt(3 - seq[i - j]!);
        }
        dir <<= shift;
        rc <<= shift;
        const data = dir < rc ? dir : rc;
        recent.push(data);
        if (filter && filter(data) && dir !== rc) fb.push({ x: data, dir: dir <= rc });
        if (dist >= S && cand.has(data)) {
          splitters.push(data);
          for (const f of fb) records.push({ s1: prev, s2: data, x: f.x, dir: f.dir });
          fb = [];
          prev = data;
          dist = 0;
          run = 0;
          recent = [];
        }
      }
    }
    dist++;
  }
  for (let r = recent.length - 1; r >= 0; r--) {
    if (cand.has(recent[r]!)) {
      splitters.push(recent[r]!);
      for (const f of fb) records.push({ s1: prev, s2: recent[r]!, x: f.x, dir: f.dir });
      break;
    }
  }
  return { splitters, records };
}

function walkRecords(r: FallbackRecords) {
  return Array.from({ length: r.length }, (_, i) => r.get(i));
}

describe('findCandidates', () => {
  it('splits all windows of all contigs into singletons and duplicates', async () => {
    const a = randomSeq(3000, 1, 200);
    const b = new Uint8Array(2500);
    b.set(a.subarray(100, 1100)); // shared with a -> duplicates
    b.set(randomSeq(1500, 2), 1000);
    const rcPiece = Uint8Array.from(a.subarray(2000, 2300))
      .reverse()
      .map((x) => (x < 4 ? 3 - x : x)); // rc duplicates
    const contigs = [a, b, rcPiece, new Uint8Array(0), Uint8Array.from([0, 1, 2])];
    for (const k of [17, 25, 31]) {
      const counts = new Map<bigint, number>();
      for (const c of contigs) for (const w of windows(c, k)) counts.set(w.canon, (counts.get(w.canon) ?? 0) + 1);
      const single = [...counts]
        .filter(([, n]) => n === 1)
        .map(([v]) => v)
        .sort((x, y) => (x < y ? -1 : 1));
      const dup = [...counts]
        .filter(([, n]) => n > 1)
        .map(([v]) => v)
        .sort((x, y) => (x < y ? -1 : 1));
      const c = findCandidates(contigs, k);
      expect(c.windows).toBe([...counts.values()].reduce((s, n) => s + n, 0));
      expect(Array.from(c.singletons.toBigUint64Array())).toEqual(single);
      expect(Array.from(c.duplicates.toBigUint64Array())).toEqual(dup);
      expect(dup.length).toBeGreaterThan(500);
      async function* gen() {
        for (const seq of contigs) yield { seq };
      }
      const c2 = await findCandidatesAsync(gen(), k);
      expect(Array.from(c2.singletons.toBigUint64Array())).toEqual(single);
    }
  });
});

describe('reference k-mers in the addon', () => {
  // Contigs with repeats (a whole contig twice: no candidate in it), reverse-complemented pieces,
  // N runs, a poly-A stretch and an empty contig.
  const a = randomSeq(20000, 5, 300);
  const rc = Uint8Array.from(a.subarray(4000, 7000))
    .reverse()
    .map((x) => (x < 4 ? 3 - x : x));
  const twice = randomSeq(9000, 6);
  const contigs = [a, twice, rc, twice, new Uint8Array(400), new Uint8Array(0), randomSeq(30, 7), a.slice(12000, 15000)];

  it('counts the same singletons and duplicates as the TypeScript collector', () => {
    for (const k of [17, 24, 31, 32]) {
      const col = new CandidateCollector(k);
      for (const c of contigs) col.addContig(c);
      const ts = col.finish();
      const nat = findCandidates(contigs, k);
      expect(nat.windows).toBe(ts.windows);
      expect(nat.singletons.toBigUint64Array()).toEqual(ts.singletons.toBigUint64Array());
      expect(nat.duplicates.toBigUint64Array()).toEqual(ts.duplicates.toBigUint64Array());
      expect(ts.duplicates.size).toBeGreaterThan(8000);
      expect(findCandidates(contigs, k, false).duplicates.size).toBe(0);
    }
  });

  it('walks to the same splitters as findSplittersInContig', () => {
    for (const [k, S] of [
      [17, 100],
      [21, 1000],
      [31, 2500],
      [32, 7],
    ] as const) {
      const cand = findCandidates(contigs, k, false).singletons;
      const walk = newWalkResult();
      for (const c of contigs) findSplittersInContig(c, k, S, cand, null, walk);
      const nat = nativeReferenceSplitters(contigs, k, S);
      expect(nat.hi.length).toBe(walk.splitters.length);
      expect(Array.from(nat.hi)).toEqual(Array.from(walk.splitters.hi.subarray(0, walk.splitters.length)));
      expect(Array.from(nat.lo)).toEqual(Array.from(walk.splitters.lo.subarray(0, walk.splitters.length)));
      expect(walk.splitters.length).toBeGreaterThan(4);
    }
  });

  it('counts and walks a large input (over 2^20 windows) alike on any number of threads', () => {
    // Threads take parts of about equal symbols (at least 2^20 each), cut anywhere in a contig: a
    // window across a cut belongs to one part. Repeats within a contig and across contigs, N runs,
    // many small contigs and an empty one.
    const big = randomSeq(1_500_000, 11, 5000);
    big.set(big.subarray(100_000, 160_000), 900_000);
    const small = Array.from({ length: 30 }, (_, i) => randomSeq(3000 + 97 * i, 100 + i));
    const large = [big, ...small, big.slice(300_000, 400_000), new Uint8Array(0), randomSeq(1_600_000, 12, 0)];
    const k = 27;
    const col = new CandidateCollector(k);
    for (const c of large) col.addContig(c);
    const ts = col.finish();
    expect(ts.windows).toBeGreaterThan(3 << 20);
    expect(ts.duplicates.size).toBeGreaterThan(150_000);
    const walk = newWalkResult();
    for (const c of large) findSplittersInContig(c, k, 5000, ts.singletons, null, walk);
    expect(walk.splitters.length).toBeGreaterThan(400);
    const same = (a: Uint32Array, b: Uint32Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    for (const threads of [1, 2, 3, 5]) {
      const nat = findCandidates(large, k, true, threads);
      expect(nat.windows).toBe(ts.windows);
      expect([nat.singletons.size, nat.duplicates.size]).toEqual([ts.singletons.size, ts.duplicates.size]);
      expect(same(nat.singletons.hi, ts.singletons.hi) && same(nat.singletons.lo, ts.singletons.lo)).toBe(true);
      expect(same(nat.duplicates.hi, ts.duplicates.hi) && same(nat.duplicates.lo, ts.duplicates.lo)).toBe(true);
      const r = nativeReferenceSplitters(large, k, 5000, threads);
      expect(same(r.hi, walk.splitters.hi.subarray(0, walk.splitters.length))).toBe(true);
      expect(same(r.lo, walk.splitters.lo.subarray(0, walk.splitters.length))).toBe(true);
    }
  });

  it('rejects bad arguments with AgcInputError', () => {
    expect(() => findCandidates(contigs, 16)).toThrow(AgcInputError);
    expect(() => nativeReferenceSplitters(contigs, 31, 0)).toThrow(AgcInputError);
    expect(() => nativeReferenceSplitters([new Uint16Array(4) as unknown as Uint8Array], 31, 100)).toThrow(AgcInputError);
  });
});

describe('findSplittersInContig', () => {
  it('hand example: first window, then every S symbols after a reset, then the newest at the end', () => {
    const k = 17;
    const seq = randomSeq(1000, 3);
    const all = windows(seq, k);
    const cand = SortedKmers.fromBigInts(all.map((w) => w.canon));
    expect(cand.size).toBe(all.length); // random: all singletons
    const r = findSplittersInContig(seq, k, 100, cand);
    const byEnd = new Map(all.map((w) => [w.end, w.canon]));
    const expected = [16, 116, 216, 316, 416, 516, 616, 716, 816, 916, 999].map((e) => byEnd.get(e)!);
    expect(r.splitters.toBigInts()).toEqual(expected);
    expect(r.fallback.length).toBe(0);
  });

  it('S smaller than k: the k fresh symbols after a reset decide the spacing', () => {
    const k = 20;
    const seq = randomSeq(200, 4);
    const all = windows(seq, k);
    const cand = SortedKmers.fromBigInts(all.map((w) => w.canon));
    const byEnd = new Map(all.map((w) => [w.end, w.canon]));
    const r = findSplittersInContig(seq, k, 5, cand);
    // ends 19, 39, ..., 199: the last one is emitted in the loop, so nothing is left for the end.
    expect(r.splitters.toBigInts()).toEqual([19, 39, 59, 79, 99, 119, 139, 159, 179, 199].map((e) => byEnd.get(e)!));
  });

  it('emits nothing without candidates, and the newest candidate at the right end', () => {
    const k = 17;
    const seq = randomSeq(500, 5);
    expect(findSplittersInContig(seq, k, 100, SortedKmers.empty()).splitters.length).toBe(0);
    const all = windows(seq, k);
    const pick = [all[40]!.canon, all[200]!.canon, all[300]!.canon];
    const r = findSplittersInContig(seq, k, 1000, SortedKmers.fromBigInts(pick));
    // first candidate (dist starts saturated), then nothing until the end: newest candidate = all[300]
    expect(r.splitters.toBigInts()).toEqual([all[40]!.canon, all[300]!.canon]);
  });

  it('matches the pseudo-code on random contigs with N runs, with and without fallback records', () => {
    let firstSegmentRecords = 0;
    for (const [k, S, frac, seed] of [
      [17, 300, 0, 6],
      [21, 250, 0.05, 7],
      [31, 1000, 0.3, 8],
      [25, 50, 0.9, 9],
    ] as [number, number, number, number][]) {
      const seq = randomSeq(6000, seed, 150);
      // candidates: a pseudo-random eighth of the windows
      const all = windows(seq, k);
      const candList = all.filter((w) => (w.canon >> 40n) % 8n === 0n).map((w) => w.canon);
      const filter = new FallbackFilter(frac);
      const mine = findSplittersInContig(seq, k, S, SortedKmers.fromBigInts(candList), filter);
      const ref = naiveWalk(seq, k, S, new Set(candList), frac ? naiveFilter(filter.threshold) : null);
      expect(mine.splitters.toBigInts()).toEqual(ref.splitters);
      expect(walkRecords(mine.fallback)).toEqual(ref.records);
      expect(ref.splitters.length).toBeGreaterThan(3);
      if (frac >= 0.3) expect(ref.records.length).toBeGreaterThan(100);
      firstSegmentRecords += ref.records.filter((r) => r.s1 === NONE).length;
    }
    expect(firstSegmentRecords).toBeGreaterThan(0); // records before the first splitter carry s1 = ~0
  });

  it('appends into a given result', () => {
    const k = 17;
    const a = randomSeq(300, 10);
    const b = randomSeq(300, 11);
    const cand = SortedKmers.fromBigInts([...windows(a, k), ...windows(b, k)].map((w) => w.canon));
    const out = newWalkResult();
    findSplittersInContig(a, k, 100, cand, null, out);
    const n = out.splitters.length;
    findSplittersInContig(b, k, 100, cand, null, out);
    expect(out.splitters.length).toBe(n * 2);
  });
});

describe('fallback filter, records and map', () => {
  it('computes thr = (uint64)(2^64 * frac) like the C++ double conversion', () => {
    expect(new FallbackFilter(0.01).threshold).toBe(184467440737095520n);
    expect(new FallbackFilter(0.02).threshold).toBe(368934881474191040n);
    expect(new FallbackFilter(0.05).threshold).toBe(922337203685477632n);
    expect(new FallbackFilter(0).enabled).toBe(false);
    expect(new FallbackFilter(0).test(0, 0)).toBe(false);
    expect(new FallbackFilter(0.01).enabled).toBe(true);
    expect(() => new FallbackFilter(-0.1)).toThrow(RangeError);
    expect(() => new FallbackFilter(1)).toThrow(RangeError);
    expect(() => new FallbackFilter(Number.NaN)).toThrow(RangeError);
  });

  it('the addon finds the same passing windows and values as the TypeScript filter', () => {
    const next = rngU32(21);
    for (const [k, frac] of [
      [21, 0.05],
      [25, 0.3],
      [32, 0.01],
      [17, 0.5],
    ] as const) {
      const f = new FallbackFilter(frac);
      const seq = Uint8Array.from({ length: 20000 }, (_, i) => (i % 3001 === 3000 ? 4 : next() & 3));
      const want: number[] = [];
      const s = new KmerScanner(k);
      for (const x of seq) {
        if (x > 3) {
          s.reset();
          continue;
        }
        s.push(x);
        if (s.isFull() && f.test(s.canonHi, s.canonLo)) want.push(s.canonHi, s.canonLo, s.isDirOriented() ? 1 : 0);
      }
      expect(want.length).toBeGreaterThan(0);
      expect(Array.from(fallbackKmers(seq, k, f))).toEqual(want);
      const hi = Uint32Array.from({ length: 5000 }, () => next());
      const lo = Uint32Array.from({ length: 5000 }, () => next());
      const idx: number[] = [];
      for (let i = 0; i < hi.length; i++) if (f.test(hi[i]!, lo[i]!)) idx.push(i);
      expect(Array.from(fallbackFilterIndices(hi, lo, f))).toEqual(idx);
    }
  });

  it('filter(x) = (MurMur64(x) ^ 0xD73F8BF11046C40E) < thr', () => {
    const next = rngU32(12);
    for (const frac of [0.01, 0.05, 0.5]) {
      const f = new FallbackFilter(frac);
      const ref = naiveFilter(f.threshold);
      let pass = 0;
      for (let i = 0; i < 4000; i++) {
        const hi = next();
        const lo = next();
        const want = ref(toBigInt(hi, lo));
        expect(f.test(hi, lo)).toBe(want);
        if (want) pass++;
      }
      expect(pass / 4000).toBeGreaterThan(frac * 0.7);
      expect(pass / 4000).toBeLessThan(frac * 1.3);
    }
  });

  const pairsOf = (m: FallbackMap, hi: number, lo: number): number[] | undefined => {
    const p = m.getPairs(hi, lo);
    return p === undefined ? undefined : Array.from(p);
  };

  it('applies records with orientation and set semantics', () => {
    const m = new FallbackMap();
    m.addKmer(0, 100);
    expect(m.has(0, 100)).toBe(true);
    expect(pairsOf(m, 0, 100)).toEqual([]);
    expect(m.getPairs(0, 101)).toBeUndefined();
    applyFallbackRecord(m, 0, 1, 0, 2, 0, 100, true); // (1,2)
    applyFallbackRecord(m, 0, 1, 0, 2, 0, 100, true); // duplicate
    applyFallbackRecord(m, 0, 1, 0, 2, 0, 100, false); // (2,1)
    applyFallbackRecord(m, 0xffffffff, 0xffffffff, 0, 3, 0, 101, true); // (~0,3), new entry
    expect(pairsOf(m, 0, 100)).toEqual([0, 1, 0, 2, 0, 2, 0, 1]);
    expect(pairsOf(m, 0, 101)).toEqual([0xffffffff, 0xffffffff, 0, 3]);
    expect(m.size).toBe(2);
    const recs = new FallbackRecords(1);
    recs.push(0, 5, 0, 6, 0, 100, false);
    recs.push(0, 5, 0, 6, 0, 100, false);
    recs.push(0, 7, 0, 8, 0, 102, true);
    const more = new FallbackRecords();
    more.append(recs);
    expect(more.length).toBe(3);
    expect(more.get(2)).toEqual({ s1: 7n, s2: 8n, x: 102n, dir: true });
    applyFallbackRecords(m, more);
    expect(pairsOf(m, 0, 100)).toEqual([0, 1, 0, 2, 0, 2, 0, 1, 0, 6, 0, 5]);
    expect(pairsOf(m, 0, 102)).toEqual([0, 7, 0, 8]);
  });

  it('keeps the pairs of every key apart as runs grow and move (thousands of keys, up to 40 pairs each)', () => {
    // Keys get their pairs interleaved, so each run fills and moves to the pool's end several times,
    // past the pool's and the entry arrays' first sizes; a plain map of lists says what each holds.
    const m = new FallbackMap();
    const want = new Map<number, number[]>();
    let x = 12345;
    const rnd = (n: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 60000; i++) {
      const key = rnd(3000);
      const p = rnd(40);
      const q = rnd(2) === 0 ? 0xffffffff : rnd(5);
      applyFallbackRecord(m, 0, p, q, q, key >>> 12, key, true);
      const list = want.get(key) ?? [];
      let dup = false;
      for (let j = 0; j < list.length; j += 4) if (list[j + 1] === p && list[j + 2] === q && list[j + 3] === q) dup = true;
      if (!dup) list.push(0, p, q, q);
      want.set(key, list);
    }
    expect(m.size).toBe(want.size);
    let most = 0;
    for (const [key, list] of want) {
      expect(pairsOf(m, key >>> 12, key), `key ${key}`).toEqual(list);
      most = Math.max(most, list.length / 4);
    }
    expect(most).toBeGreaterThan(20);
    let visited = 0;
    m.forEach((pairs, hi, lo) => {
      visited++;
      expect(Array.from(pairs)).toEqual(want.get(lo));
      expect(hi).toBe(lo >>> 12);
    });
    expect(visited).toBe(want.size);
  });

  it('addFallbackKmers adds empty entries for filtered values only', () => {
    const seq = randomSeq(5000, 13);
    const cand = findCandidates([seq], 21).singletons;
    const f = new FallbackFilter(0.05);
    const m = new FallbackMap();
    addFallbackKmers(m, cand, f);
    const ref = naiveFilter(f.threshold);
    const expected = Array.from(cand.toBigUint64Array()).filter(ref);
    expect(m.size).toBe(expected.length);
    for (const x of expected) expect(pairsOf(m, Number(x >> 32n), Number(x & 0xffffffffn))).toEqual([]);
    addFallbackKmers(m, cand, new FallbackFilter(0));
    expect(m.size).toBe(expected.length);
  });
});

describe('mineNewSplitters', () => {
  it('walks over the contig singletons minus reference candidates and duplicates', () => {
    const k = 21;
    const ref = randomSeq(4000, 20);
    const refCand = findCandidates([ref, ref.subarray(3000)], k); // last 1000 symbols are duplicates
    expect(refCand.duplicates.size).toBeGreaterThan(900);
    const contig = new Uint8Array(6000);
    contig.set(ref.subarray(500, 1500), 0); // reference singletons
    contig.set(ref.subarray(3200, 3700), 1000); // reference duplicates
    const own = randomSeq(2000, 21);
    contig.set(own, 1500);
    contig.set(own.subarray(0, 1000), 3500); // repeated inside the contig: not singletons here
    contig.set(randomSeq(1500, 22, 300), 4500);
    const f = new FallbackFilter(0.2);
    const map = new FallbackMap();
    const S = 700;
    const r = mineNewSplitters(contig, k, S, refCand.singletons, refCand.duplicates, { filter: f, map });

    const counts = new Map<bigint, number>();
    for (const w of windows(contig, k)) counts.set(w.canon, (counts.get(w.canon) ?? 0) + 1);
    const refSingles = new Set(refCand.singletons.toBigUint64Array());
    const refDups = new Set(refCand.duplicates.toBigUint64Array());
    const ownSet = new Set([...counts].filter(([v, n]) => n === 1 && !refSingles.has(v) && !refDups.has(v)).map(([v]) => v));
    const want = naiveWalk(contig, k, S, ownSet, naiveFilter(f.threshold));
    expect(r.splitters.toBigInts()).toEqual(want.splitters);
    expect(walkRecords(r.fallback)).toEqual(want.records);
    expect(want.splitters.length).toBeGreaterThan(3);
    // the first 1000 symbols hold only reference singletons: the first splitter ends later
    const firstEnd = windows(contig, k).find((w) => w.canon === want.splitters[0])!.end;
    expect(firstEnd).toBeGreaterThanOrEqual(1000);
    // empty fallback entries for the filtered own singletons
    const filtered = [...ownSet].filter(naiveFilter(f.threshold));
    expect(map.size).toBe(filtered.length);
  });

  it('the reference scanned or kept sorted: the same new candidates for several contigs at once', () => {
    const k = 25;
    const ref = [randomSeq(5000, 30), randomSeq(3000, 31, 400)];
    const cand = findCandidates([...ref, ref[0]!.subarray(4000)], k); // with duplicates
    const contigs = [0, 1, 2].map((i) => {
      const c = randomSeq(4000, 40 + i, 200);
      c.set(ref[i % 2]!.subarray(100 * i, 100 * i + 900), 500); // reference k-mers to drop
      c.set(ref[0]!.subarray(4100, 4600), 2000); // reference duplicates too
      return c;
    });
    contigs.push(contigs[0]!.slice(), new Uint8Array(0));
    let loads = 0;
    const scanned = new ScannedMiningReference(() => (loads++, ref));
    const got = scanned.newSingletons(contigs, k);
    expect(scanned.newSingletons([], k)).toEqual([]);
    const want = new SortedMiningReference(cand.singletons, cand.duplicates).newSingletons(contigs, k);
    expect(got.map((x) => Array.from(x.toBigUint64Array()))).toEqual(want.map((x) => Array.from(x.toBigUint64Array())));
    scanned.newSingletons(contigs.slice(0, 1), k);
    expect(loads).toBe(1);
    // against the definition: each contig's singletons that are no reference window
    const refWindows = new Set(ref.flatMap((r) => windows(r, k).map((w) => w.canon)));
    contigs.forEach((c, i) => {
      const counts = new Map<bigint, number>();
      for (const w of windows(c, k)) counts.set(w.canon, (counts.get(w.canon) ?? 0) + 1);
      const own = [...counts].filter(([v, n]) => n === 1 && !refWindows.has(v)).map(([v]) => v);
      expect(Array.from(got[i]!.toBigUint64Array())).toEqual(own.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      if (i < 3) expect(own.length).toBeLessThan(counts.size - 800);
    });
  });

  it('mines in the addon: the walks of walkNewSplitters over the new candidates, records included, for any thread count', () => {
    const k = 23;
    const S = 500;
    const ref = [randomSeq(6000, 50), randomSeq(2500, 51, 300)];
    const contigs = [0, 1, 2, 3].map((i) => {
      const c = randomSeq(3000 + 700 * i, 60 + i, i === 2 ? 150 : 0);
      c.set(ref[i % 2]!.subarray(200 * i, 200 * i + 800), 300); // reference k-mers: no candidates there
      return c;
    });
    contigs.push(contigs[1]!.slice(0, 2000)); // its k-mers are singletons of both contigs: each walks its own
    const filter = new FallbackFilter(0.2);
    const scanned = new ScannedMiningReference(() => ref);
    const own = scanned.newSingletons(contigs, k);
    const want = newWalkResult();
    contigs.forEach((c, i) => walkNewSplitters(c, k, S, own[i]!, { filter }, want));
    expect(want.splitters.length).toBeGreaterThan(15);
    expect(want.fallback.length).toBeGreaterThan(1000);
    // and the walk against the definition, for the first contig
    const one = newWalkResult();
    walkNewSplitters(contigs[0]!, k, S, own[0]!, { filter }, one);
    const naive = naiveWalk(contigs[0]!, k, S, new Set(own[0]!.toBigUint64Array()), naiveFilter(filter.threshold));
    expect(one.splitters.toBigInts()).toEqual(naive.splitters);
    expect(walkRecords(one.fallback)).toEqual(naive.records);
    for (const threads of [1, 2, 3]) {
      const got = newWalkResult();
      got.fallback.push(1, 2, 3, 4, 5, 6, true); // appended after what is there
      new ScannedMiningReference(() => ref, threads).mineSplitters(contigs, k, S, filter, got);
      expect(got.splitters.toBigInts()).toEqual(want.splitters.toBigInts());
      expect(walkRecords(got.fallback).slice(1)).toEqual(walkRecords(want.fallback));
      expect(got.fallback.get(0)).toEqual({ s1: 0x100000002n, s2: 0x300000004n, x: 0x500000006n, dir: true });
    }
    // Without the filter: the same splitters and no records.
    const plain = newWalkResult();
    scanned.mineSplitters(contigs, k, S, new FallbackFilter(0), plain);
    expect(plain.splitters.toBigInts()).toEqual(want.splitters.toBigInts());
    expect(plain.fallback.length).toBe(0);
  });

  it('does nothing for contigs shorter than S', () => {
    const seq = randomSeq(999, 23);
    const r = mineNewSplitters(seq, 17, 1000, SortedKmers.empty(), SortedKmers.empty());
    expect(r.splitters.length).toBe(0);
    expect(mineNewSplitters(seq, 17, 999, SortedKmers.empty(), SortedKmers.empty()).splitters.length).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Golden splitter sets

async function referenceSplitters(refPath: string, k: number, S: number): Promise<{ set: KmerSet; cand: ReturnType<CandidateCollector['finish']> }> {
  const col = new CandidateCollector(k);
  for await (const c of readFastaContigs(refPath)) col.addContig(c.seq);
  const cand = col.finish();
  const set = new KmerSet();
  const out = newWalkResult();
  for await (const c of readFastaContigs(refPath)) findSplittersInContig(c.seq, k, S, cand.singletons, null, out);
  for (let i = 0; i < out.splitters.length; i++) set.add(out.splitters.hi[i]!, out.splitters.lo[i]!);
  return { set, cand };
}

describe('golden splitters', () => {
  for (const [id, dataset, ref] of [
    ['mers-tiny-default', 'mers-tiny', 'EMC_2012.fa'],
    ['mers-tiny-params', 'mers-tiny', 'EMC_2012.fa'],
    ['saureus-6-default', 'saureus-6', 'N315.fa'],
    ['saureus-6-params', 'saureus-6', 'N315.fa'],
  ] as const) {
    it(`${id}: the reference walk gives the stored splitters`, async () => {
      const a = new TestArchive(path.join(caseDir(id), 'archive.agc'));
      const { k, S } = a.params();
      const { set } = await referenceSplitters(path.join(datasetDir(dataset), ref), k, S);
      const gold = a.splitters();
      expect(gold.length).toBeGreaterThan(1);
      expect(Array.from(set.toSortedBigUint64Array())).toEqual(Array.from(gold));
    });
  }

  it('saureus-6-adaptive: reference walk plus per-batch mining of splitter-less contigs', async () => {
    const a = new TestArchive(path.join(caseDir('saureus-6-adaptive'), 'archive.agc'));
    const { k, S } = a.params();
    const dir = datasetDir('saureus-6');
    const files = ['N315.fa', 'COL.fa', 'NCTC8325.fa', 'RN4220.fa', 'USA300_FPR3757.fa', 'usa300_contigs.fa'];
    const { set, cand } = await referenceSplitters(path.join(dir, files[0]!), k, S);
    const scanner = new KmerScanner(k);
    let minedContigs = 0;
    for (const f of files) {
      const batch = newWalkResult();
      for await (const c of readFastaContigs(path.join(dir, f))) {
        // segmentation with the frozen set: splits at any splitter, k-mer reset after each split
        scanner.reset();
        let frontDirZero = true;
        for (const x of c.seq) {
          if (x > 3) scanner.reset();
          else {
            scanner.push(x);
            if (scanner.isFull() && set.has(scanner.canonHi, scanner.canonLo)) {
              frontDirZero = scanner.dirHi === 0 && scanner.dirLo === 0;
              scanner.reset();
            }
          }
        }
        if (frontDirZero && c.seq.length >= S) {
          minedContigs++;
          mineNewSplitters(c.seq, k, S, cand.singletons, cand.duplicates, null, batch);
        }
      }
      for (let i = 0; i < batch.splitters.length; i++) set.add(batch.splitters.hi[i]!, batch.splitters.lo[i]!);
    }
    expect(minedContigs).toBe(2);
    const gold = a.splitters();
    expect(Array.from(set.toSortedBigUint64Array())).toEqual(Array.from(gold));
    expect(gold.length).toBe(54);
  });

  it('canonicalKmers agrees with the collector on a real contig', async () => {
    const dir = datasetDir('mers-tiny');
    for await (const c of readFastaContigs(path.join(dir, 'EMC_2012.fa'))) {
      const mine = findCandidates([c.seq], 31);
      const all = canonicalKmers(c.seq, 31);
      expect(mine.windows).toBe(all.length);
      expect(mine.singletons.size + 2 * mine.duplicates.size).toBeLessThanOrEqual(all.length);
    }
  });
});
