// PartRing: the ring that holds decompressed parts of the random access (lib/read/part-ring.ts).
// What matters: a live part's region is never handed to another part, eviction is oldest first,
// and the owner hears of every eviction before the region is reused.
import { describe, expect, it } from 'vitest';
import { PartRing } from '../lib/read/part-ring.js';
import { native } from '../lib/native/load.js';

describe('PartRing', () => {
  it('hands out regions in order and evicts the oldest parts a new one overlaps', () => {
    const evicted: number[] = [];
    const ring = new PartRing(800, (k) => evicted.push(k));
    const a = ring.allocate(100, 1)!;
    const b = ring.allocate(100, 2)!;
    expect(a.byteOffset).toBe(0);
    expect(b.byteOffset).toBe(104); // 8-byte aligned
    expect(a.buffer).toBe(b.buffer);
    for (let k = 3; k <= 7; k++) ring.allocate(100, k);
    expect(evicted).toEqual([]);
    // 7 parts end at 728: the next does not fit before the end, wraps and overwrites 1 (and 2)
    const c = ring.allocate(100, 8)!;
    expect(c.byteOffset).toBe(0);
    expect(evicted).toEqual([1]);
    ring.allocate(100, 9);
    expect(evicted).toEqual([1, 2]);
    // too large for the ring (over an eighth), or empty: not held
    expect(ring.allocate(101, 10)).toBeUndefined();
    expect(ring.allocate(0, 11)).toBeUndefined();
    expect(evicted).toEqual([1, 2]);
  });

  it('pages are populated ahead on another thread without disturbing the bytes written meanwhile', async () => {
    const ring = new PartRing(64 << 20, () => {});
    const inner = ring as unknown as { populated: number; populating: boolean; populateDone: Int32Array };
    const parts: Uint8Array[] = [];
    const linux = process.platform === 'linux';
    for (let k = 0; k < 48; k++) {
      const r = ring.allocate(1 << 20, k)!;
      r.fill(k + 1);
      parts.push(r);
      // ahead of the head (on Linux; elsewhere the ring stops asking)
      if (k === 0) expect(inner.populated).toBe(linux ? (1 << 20) + (2 << 20) : 64 << 20);
      if (k % 8 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const until = Date.now() + 10_000;
    while (inner.populating && Atomics.load(inner.populateDone, 0) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    if (linux) expect(Atomics.load(inner.populateDone, 0)).toBe(1);
    expect(parts.filter((p, k) => p.some((x) => x !== k + 1)).length).toBe(0);
    ring.release();
  });

  it('a ring told not to populate leaves its pages to their use', () => {
    const ring = new PartRing(64 << 20, () => {}, false);
    ring.allocate(1 << 20, 1);
    const inner = ring as unknown as { populated: number; populating: boolean };
    expect(inner.populating).toBe(false);
    expect(inner.populated).toBe(64 << 20);
  });

  it('populateMemory fills in the pages and says so in its word', async () => {
    const bytes = new Uint8Array(4 << 20).fill(9, 0, 5000);
    const done = new Int32Array(new SharedArrayBuffer(4));
    if (!native.populateMemory(bytes, 1, bytes.length, done)) return;
    const until = Date.now() + 10_000;
    while (Atomics.load(done, 0) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(done[0]).toBe(1);
    expect(bytes.subarray(0, 5000).every((x) => x === 9) && bytes.subarray(5000).every((x) => x === 0)).toBe(true);
  });

  it('a ring whose buffer cannot be allocated hands out nothing (callers use buffers of their own)', () => {
    const ring = new PartRing(2 ** 53, () => {
      throw new Error('nothing to evict');
    });
    expect(ring.allocate(1000, 1)).toBeUndefined();
    expect(ring.allocate(1000, 2)).toBeUndefined();
  });

  it('a wrap evicts the parts left at the end of the buffer first', () => {
    const evicted: number[] = [];
    const ring = new PartRing(1000, (k) => evicted.push(k));
    for (let k = 0; k < 8; k++) ring.allocate(120, k); // [0, 960) at 8-byte steps of 120
    ring.allocate(120, 8); // wraps: evicts 0
    expect(evicted).toEqual([0]);
    for (let k = 9; k < 16; k++) ring.allocate(120, k);
    // second lap up to 960 again: 1..7 went in order
    expect(evicted).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // a part of 125 no longer fits at 960 + ...: wraps, evicting 8 (at 0) and 9 (at 120)
    ring.allocate(125, 16);
    expect(evicted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('live regions never overlap, and every part reused is evicted first (random sizes)', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const live = new Map<number, Uint8Array>();
    const ring = new PartRing(1 << 16, (k) => {
      expect(live.has(k)).toBe(true);
      live.delete(k);
    });
    for (let k = 0; k < 5000; k++) {
      const size = 1 + rand(1 << 13);
      const r = ring.allocate(size, k)!;
      expect(r.length).toBe(size);
      let overlaps = 0;
      for (const [, v] of live) if (r.byteOffset < v.byteOffset + v.length && v.byteOffset < r.byteOffset + size) overlaps++;
      expect(overlaps).toBe(0);
      live.set(k, r);
      r.fill(k & 255);
      if (k % 97 === 0) {
        let damaged = 0;
        for (const [key, v] of live) if (v.some((x) => x !== (key & 255))) damaged++;
        expect(damaged).toBe(0);
      }
    }
    // the oldest parts went first: the live keys are the newest
    const keys = [...live.keys()];
    expect(keys[keys.length - 1]).toBe(4999);
    expect(keys.every((k, i) => i === 0 || k === keys[i - 1] + 1)).toBe(true);
    ring.clear();
    expect(ring.allocate(8, 1)!.byteOffset).toBe(0);
  });
});
