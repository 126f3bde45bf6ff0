// Pack jobs shared between store threads: a batch's result waits for a helper's reply only when the
// helper's claims were counted (CompressPool.submit), so the count must be exact once a list is
// exhausted, and the parts must not depend on who took them.
import { describe, expect, it } from 'vitest';
import { buildPackJobs, inPackOrder, takePackJobs } from '../lib/write/workers/pool.js';

// A fixed sequence of symbol codes (no shared data needed).
let state = 11;
const rand = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
};
const items = (n: number, len: number) => Array.from({ length: n }, () => Uint8Array.from({ length: len }, () => Math.floor(rand() * 4)));
const jobList = () => [
  { group: 20, items: items(3, 900) },
  { group: 17, items: items(5, 2000) },
  { group: 33, items: items(2, 300) },
];
const helperClaims = (m: { counter: SharedArrayBuffer }) => Atomics.load(new Int32Array(m.counter), 1);
const bytesOf = (parts: ReturnType<typeof takePackJobs>) =>
  inPackOrder(parts).map((p) => [p.group, p.order, p.part.metadata, Buffer.from(p.part.data).toString('hex')]);

describe('pack jobs', () => {
  it('a helper that comes after the owner took every job claims none and leaves the count at 0', () => {
    const m = buildPackJobs(jobList());
    const owner = takePackJobs(m);
    expect(owner.map((p) => p.group).sort()).toEqual([17, 20, 33]);
    expect(helperClaims(m)).toBe(0);
    expect(takePackJobs(m, true)).toEqual([]);
    expect(helperClaims(m)).toBe(0);
  });

  it("a helper's claims are counted, and the parts equal the owner's own", () => {
    const list = jobList();
    const alone = takePackJobs(buildPackJobs(list));
    const m = buildPackJobs(list);
    const helped = takePackJobs(m, true);
    expect(helped).toHaveLength(3);
    expect(helperClaims(m)).toBe(3);
    expect(takePackJobs(m)).toEqual([]);
    expect(bytesOf(helped)).toEqual(bytesOf(alone));
    // Largest job first: group 17 (5 x 2000 bytes) has order 1, its place in the given list.
    expect(helped[0]!.group).toBe(17);
    expect(helped[0]!.order).toBe(1);
  });
});
