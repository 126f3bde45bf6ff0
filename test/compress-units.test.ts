// Unit tests of the compressor's pieces: segmentation, group keys/orientation, per-group storage.
import { describe, expect, it } from 'vitest';
import { codesFromString, reverseComplement } from '../lib/format/alphabet.js';
import { canonicalKmers, KmerScanner } from '../lib/write/kmer/kmer.js';
import { SplitterSet, segmentContig } from '../lib/write/segmentation.js';
import { EMPTY_END, GroupingState, NONE, decideSegment, pairKey, type KmerEnd } from '../lib/write/grouping.js';
import { GroupStore, RAW_VIEW, RefView } from '../lib/write/group-store.js';
import { FallbackFilter, FallbackMap } from '../lib/write/splitters.js';
import { zstdCompress, zstdDecompress } from '../lib/native/zstd.js';
import { rng } from './shared-data.js';

const K = 17;
const rand = rng(7);
const randomCodes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 4));

function endAt(seq: Uint8Array, end: number): KmerEnd {
  const s = new KmerScanner(K);
  for (let i = end - K; i < end; i++) s.push(seq[i]!);
  return { full: true, dir: (BigInt(s.dirHi) << 32n) | BigInt(s.dirLo), rc: (BigInt(s.rcHi) << 32n) | BigInt(s.rcLo) };
}

function splittersOf(values: bigint[]): SplitterSet {
  const s = new SplitterSet(K);
  for (const v of values) s.add(Number(v >> 32n), Number(v & 0xffffffffn));
  return s;
}

describe('segmentContig', () => {
  const seq = randomCodes(400);
  const kmers = canonicalKmers(seq, K);
  // splitters ending at positions 99, 200 (windows starting at 83 and 184)
  const split = splittersOf([kmers[83]!, kmers[184]!]);

  it('cuts after every splitter occurrence with a k-symbol overlap', () => {
    const got: Array<{ part: number; from: number; len: number; front: boolean; back: boolean }> = [];
    const done = segmentContig(seq, K, split, (part, seg, front, back) => {
      got.push({ part, from: seg.byteOffset, len: seg.length, front: front.full, back: back.full });
      return 1;
    });
    expect(done).toBe(true);
    expect(got).toEqual([
      { part: 0, from: 0, len: 100, front: false, back: true },
      { part: 1, from: 83, len: 118, front: true, back: true },
      { part: 2, from: 184, len: 216, front: true, back: false },
    ]);
  });

  it('advances the part number by what the sink used', () => {
    const parts: number[] = [];
    segmentContig(seq, K, split, (part) => (parts.push(part), 2));
    expect(parts).toEqual([0, 2, 4]);
  });

  it('needs k fresh ACGT symbols after a split or an N', () => {
    const s = seq.slice();
    s[90] = 4; // N inside the first splitter window: it is no longer seen
    const lens: number[] = [];
    segmentContig(s, K, split, (_p, seg) => (lens.push(seg.length), 1));
    expect(lens).toEqual([201, 216]);
  });

  it('defers a splitter-less contig in adaptive first pass, and emits it otherwise', () => {
    const none = new SplitterSet(K);
    const calls: number[] = [];
    expect(segmentContig(seq, K, none, (_p, seg) => (calls.push(seg.length), 1), true)).toBe(false);
    expect(calls).toEqual([]);
    expect(segmentContig(seq, K, none, (_p, seg) => (calls.push(seg.length), 1), false)).toBe(true);
    expect(calls).toEqual([400]);
  });

  it('a contig ending exactly with a splitter ends with a k-long segment', () => {
    const lens: number[] = [];
    segmentContig(seq.subarray(0, 100), K, split, (_p, seg) => (lens.push(seg.length), 1));
    expect(lens).toEqual([100, 17]);
  });
});

describe('grouping', () => {
  const fb = { filter: new FallbackFilter(0), map: new FallbackMap() };
  const params = { k: K, segmentSize: 60000, concatenated: false, adaptive: false };
  const seq = randomCodes(300);
  const f = endAt(seq, K);
  const b = endAt(seq, 300);
  const fd = f.dir < f.rc ? f.dir : f.rc;
  const bd = b.dir < b.rc ? b.dir : b.rc;

  function fresh(): GroupingState {
    const st = new GroupingState();
    for (let g = 0; g < 16; g++) st.groups[g] = RAW_VIEW;
    return st;
  }

  it('keys two-sided segments by (min, max) and stores the reverse complement when front > back', () => {
    const st = fresh();
    const [d] = decideSegment(st, params, fb, seq, f, b);
    expect(d!.group).toBe(-1);
    expect([d!.a, d!.b]).toEqual(fd < bd ? [fd, bd] : [bd, fd]);
    expect(d!.rc).toBe(fd > bd);
    expect(Array.from(d!.data)).toEqual(Array.from(fd > bd ? reverseComplement(seq) : seq));
    // Reversed input gives the same key with the opposite orientation.
    const [r] = decideSegment(st, params, fb, reverseComplement(seq), { full: true, dir: b.rc, rc: b.dir }, { full: true, dir: f.rc, rc: f.dir });
    expect([r!.a, r!.b]).toEqual([d!.a, d!.b]);
    expect(r!.rc).toBe(!d!.rc);
    expect(Array.from(r!.data)).toEqual(Array.from(d!.data));
  });

  it('a segment without splitters goes to raw group 0', () => {
    const [d] = decideSegment(fresh(), params, fb, seq, EMPTY_END, EMPTY_END);
    expect(d).toMatchObject({ a: NONE, b: NONE, group: 0, rc: false });
  });

  it('a last segment with an unknown splitter gets a one-sided key in its orientation', () => {
    const st = fresh();
    const [d] = decideSegment(st, params, fb, seq, f, EMPTY_END);
    const dirOr = f.dir <= f.rc;
    expect([d!.a, d!.b, d!.rc]).toEqual(dirOr ? [fd, NONE, false] : [NONE, fd, true]);
  });

  it('a last segment joins the existing group with the best estimate', () => {
    const st = fresh();
    const other = randomCodes(300);
    const o = endAt(other, 300);
    const od = o.dir < o.rc ? o.dir : o.rc;
    const [a, bb] = fd < od ? [fd, od] : [od, fd];
    st.groups[16] = new RefView(fd < od ? seq : reverseComplement(seq), 20);
    st.addGroupKey(a, bb, 16);
    const [d] = decideSegment(st, params, fb, seq, f, EMPTY_END);
    expect(d!.group).toBe(16);
    expect(d!.rc).toBe(!(fd < od));
  });

  it('terminator lists stay sorted and symmetric', () => {
    const st = fresh();
    st.addGroupKey(5n, 9n, 16);
    st.addGroupKey(1n, 5n, 17);
    st.addGroupKey(5n, 5n, 18);
    st.addGroupKey(3n, NONE, 19);
    expect(st.terminators.get(5n)).toEqual([1n, 5n, 9n]);
    expect(st.terminators.get(9n)).toEqual([5n]);
    expect(st.terminators.has(3n)).toBe(false);
    expect(st.mapSegments.get(pairKey(3n, NONE))).toBe(19);
    expect(st.sortedEntries().map((e) => e[2])).toEqual([17, 19, 18, 16, 0]);
  });
});

describe('GroupStore', () => {
  const decode = (part: { data: Uint8Array; metadata: number }) =>
    part.metadata ? zstdDecompress(part.data.subarray(0, part.data.length - 1), part.metadata) : part.data;

  it('raw groups: dummy first, packs of PC emitted lazily, no dedup', () => {
    const g = new GroupStore(3, 2, 20, zstdCompress);
    expect(g.addRaw(Uint8Array.of(0x7f))).toBe(0);
    const x = codesFromString('ACGT');
    expect(g.addRaw(x)).toBe(1);
    expect(g.drain()).toEqual([]);
    expect(g.addRaw(x)).toBe(2); // pack of 2 emitted before this one
    const parts = g.drain();
    expect(parts).toHaveLength(1);
    expect(Array.from(decode(parts[0]!))).toEqual([0x7f, 0xff, 0, 1, 2, 3, 0xff]);
    g.finish();
    expect(Array.from(decode(g.drain()[0]!))).toEqual([0, 1, 2, 3, 0xff]);
  });

  it('LZ groups: reference id 0, identical segment id 0, duplicate deltas share an id', () => {
    const ref = randomCodes(2000);
    const g = new GroupStore(20, 3, 20, zstdCompress);
    expect(g.add(ref)).toBe(0);
    expect(g.refSize).toBe(2001);
    expect(g.drain().map((p) => p.stream)).toEqual(['r']);
    const v = ref.slice();
    v[500] = (v[500]! + 1) & 3;
    expect(g.add(ref.slice())).toBe(0);
    expect(g.add(v)).toBe(1);
    expect(g.add(v.slice())).toBe(1);
    const w = ref.slice(0, 1500);
    expect(g.add(w)).toBe(2);
    expect(g.add(ref.slice(3))).toBe(3);
    expect(g.add(v)).toBe(4); // the pack of 3 was emitted first, so no dedup against it
    expect(g.drain().map((p) => p.stream)).toEqual(['d']);
    g.finish();
    expect(g.drain()).toHaveLength(1);
  });

  it('append: a packed group continues its last pack and numbering', () => {
    const ref = randomCodes(1000);
    const a = new GroupStore(17, 2, 20, zstdCompress);
    a.add(ref);
    const v = ref.slice();
    v[10] = (v[10]! + 2) & 3;
    const u = ref.slice(5);
    a.add(v);
    a.add(u);
    const w = ref.slice(0, 900);
    a.add(w);
    a.finish();
    const parts = a.drain();
    expect(parts.map((p) => p.stream)).toEqual(['r', 'd', 'd']);
    const packed = GroupStore.packedFrom(17, { ref: parts[0]!, lastDelta: parts[2]!, copiedParts: 1 }, 2, 20, zstdCompress, zstdDecompress);
    expect(packed.refSize).toBe(0); // the packed quirk: estimate 0 until touched
    expect(packed.estimate(ref, 100)).toBe(0);
    expect(packed.add(w.slice())).toBe(3); // dedup against the unpacked last pack
    expect(packed.refSize).toBe(1001);
    expect(packed.add(ref.slice(1))).toBe(4);
    packed.finish();
    const out = packed.drain();
    expect(out.map((p) => p.stream)).toEqual(['d']);
    const untouched = GroupStore.packedFrom(17, { ref: parts[0]!, lastDelta: parts[2]!, copiedParts: 1 }, 2, 20, zstdCompress, zstdDecompress);
    untouched.finish();
    expect(untouched.drain()).toEqual([{ stream: 'd', data: parts[2]!.data, metadata: parts[2]!.metadata }]);
  });

  it('RefView.packed has no reference until touched', () => {
    const ref = randomCodes(500);
    const g = new GroupStore(16, 50, 20, zstdCompress);
    g.add(ref);
    const [part] = g.drain();
    const v = RefView.packed(part, 20);
    expect(v.refSize).toBe(0);
    expect(v.costs(ref, true)).toHaveLength(0);
    v.touch(zstdDecompress);
    expect(v.refSize).toBe(501);
    expect(v.estimate(ref, 1000)).toBe(0);
  });
});
