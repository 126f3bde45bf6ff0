// Containers keyed by 64-bit k-mers held as (hi, lo) uint32 halves: hash set / map / counter with
// open addressing on typed arrays, a sorted array with fast membership, and a radix sort for pairs.
// The container hash never influences output, so any fast mix is fine here; the exact upstream hash
// (needed by the LZ index and the fallback filter) is murmur64, re-exported below.

export { murmur64, murmur64Into, murmur64Lo, murmur64Big } from './murmur64.js';

/** Fast 32-bit mix of a 64-bit key (container slots only). */
function slotHash(hi: number, lo: number): number {
  let h = Math.imul(lo, 0x9e3779b1) ^ hi;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function capacityFor(n: number): number {
  let cap = 16;
  while (cap < n * 2) cap *= 2;
  return cap;
}

/** Read-only membership test shared by KmerSet and SortedKmers. */
export interface KmerLookup {
  has(hi: number, lo: number): boolean;
  readonly size: number;
}

/** Open-addressing table core: keys and a per-slot state byte (0 = empty, else occupied/count). */
class Table {
  keyHi: Uint32Array;
  keyLo: Uint32Array;
  state: Uint8Array;
  mask: number;
  size = 0;

  /**
   * Values of a map, slot by slot (moved with their keys when the table grows), or null for a set.
   * A field rather than a growth callback: a closure per table made V8 deoptimise and recompile
   * the hot callers that inline claim().
   */
  values: unknown[] | null;

  constructor(expected: number, withValues = false) {
    const cap = capacityFor(expected);
    this.keyHi = new Uint32Array(cap);
    this.keyLo = new Uint32Array(cap);
    this.state = new Uint8Array(cap);
    this.mask = cap - 1;
    this.values = withValues ? new Array<unknown>(cap) : null;
  }

  /** Slot holding (hi, lo), or -1. */
  find(hi: number, lo: number): number {
    const mask = this.mask;
    const st = this.state;
    const kh = this.keyHi;
    const kl = this.keyLo;
    let i = slotHash(hi, lo) & mask;
    for (;;) {
      if (st[i] === 0) return -1;
      if (kh[i] === hi && kl[i] === lo) return i;
      i = (i + 1) & mask;
    }
  }

  /** Slot for (hi, lo), claiming an empty one (state 1) when absent; `inserted` tells which. */
  inserted = false;
  claim(hi: number, lo: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const mask = this.mask;
    const st = this.state;
    const kh = this.keyHi;
    const kl = this.keyLo;
    let i = slotHash(hi, lo) & mask;
    for (;;) {
      if (st[i] === 0) {
        st[i] = 1;
        kh[i] = hi;
        kl[i] = lo;
        this.size++;
        this.inserted = true;
        return i;
      }
      if (kh[i] === hi && kl[i] === lo) {
        this.inserted = false;
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const oh = this.keyHi;
    const ol = this.keyLo;
    const os = this.state;
    const ov = this.values;
    const cap = (this.mask + 1) * 2;
    this.keyHi = new Uint32Array(cap);
    this.keyLo = new Uint32Array(cap);
    this.state = new Uint8Array(cap);
    this.mask = cap - 1;
    const nv = ov ? new Array<unknown>(cap) : null;
    for (let j = 0; j < os.length; j++) {
      if (os[j] === 0) continue;
      let i = slotHash(oh[j]!, ol[j]!) & this.mask;
      while (this.state[i] !== 0) i = (i + 1) & this.mask;
      this.state[i] = os[j]!;
      this.keyHi[i] = oh[j]!;
      this.keyLo[i] = ol[j]!;
      if (nv) nv[i] = ov![j];
    }
    this.values = nv;
  }

  clear(): void {
    this.state.fill(0);
    this.values?.fill(undefined);
    this.size = 0;
  }

  /** Occupied keys sorted ascending as unsigned 64-bit. */
  sortedKeys(): SortedKmers {
    const n = this.size;
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    let w = 0;
    const st = this.state;
    for (let i = 0; i < st.length; i++) {
      if (st[i] !== 0) {
        hi[w] = this.keyHi[i]!;
        lo[w] = this.keyLo[i]!;
        w++;
      }
    }
    sortKmerPairs(hi, lo, n);
    return new SortedKmers(hi, lo);
  }
}

/** Hash set of 64-bit keys (any value, ~0 included). */
export class KmerSet implements KmerLookup {
  private t: Table;
  constructor(expectedSize = 8) {
    this.t = new Table(expectedSize);
  }
  get size(): number {
    return this.t.size;
  }
  has(hi: number, lo: number): boolean {
    return this.t.find(hi, lo) >= 0;
  }
  /** Adds the key; true when it was not present. */
  add(hi: number, lo: number): boolean {
    this.t.claim(hi, lo);
    return this.t.inserted;
  }
  /** bigint convenience (not for hot paths). */
  hasBig(v: bigint): boolean {
    const x = BigInt.asUintN(64, v);
    return this.has(Number(x >> 32n), Number(x & 0xffffffffn));
  }
  addBig(v: bigint): boolean {
    const x = BigInt.asUintN(64, v);
    return this.add(Number(x >> 32n), Number(x & 0xffffffffn));
  }
  clear(): void {
    this.t.clear();
  }
  /** Visit every key (order unspecified). */
  forEach(cb: (hi: number, lo: number) => void): void {
    const t = this.t;
    for (let i = 0; i < t.state.length; i++) if (t.state[i] !== 0) cb(t.keyHi[i]!, t.keyLo[i]!);
  }
  /** Iterate keys as [hi, lo] (order unspecified). */
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    const t = this.t;
    for (let i = 0; i < t.state.length; i++) if (t.state[i] !== 0) yield [t.keyHi[i]!, t.keyLo[i]!];
  }
  /** All keys sorted ascending (unsigned 64-bit). */
  toSorted(): SortedKmers {
    return this.t.sortedKeys();
  }
  /** All keys sorted ascending, e.g. for the `splitters` stream. */
  toSortedBigUint64Array(): BigUint64Array {
    return this.t.sortedKeys().toBigUint64Array();
  }
}

/** Hash map from 64-bit keys to values of type V. */
export class KmerMap<V> {
  private t: Table;
  constructor(expectedSize = 8) {
    this.t = new Table(expectedSize, true);
  }
  get size(): number {
    return this.t.size;
  }
  has(hi: number, lo: number): boolean {
    return this.t.find(hi, lo) >= 0;
  }
  get(hi: number, lo: number): V | undefined {
    const i = this.t.find(hi, lo);
    return i < 0 ? undefined : (this.t.values![i] as V | undefined);
  }
  set(hi: number, lo: number, v: V): void {
    const i = this.t.claim(hi, lo);
    this.t.values![i] = v;
  }
  /** Value for the key, creating it with `make()` when absent. */
  getOrCreate(hi: number, lo: number, make: () => V): V {
    const i = this.t.claim(hi, lo);
    if (this.t.inserted) this.t.values![i] = make();
    return this.t.values![i] as V;
  }
  /** Value for the key, or undefined when absent; the key is added (without a value) when absent. For hot callers: no closure. */
  claimValue(hi: number, lo: number): V | undefined {
    // claim() first: it may grow the table, which replaces the values array.
    const i = this.t.claim(hi, lo);
    return this.t.values![i] as V | undefined;
  }
  /** Set the value of a key just claimed by claimValue (no other insertion in between). */
  setClaimed(hi: number, lo: number, v: V): void {
    this.t.values![this.t.find(hi, lo)] = v;
  }
  forEach(cb: (v: V, hi: number, lo: number) => void): void {
    const t = this.t;
    for (let i = 0; i < t.state.length; i++) if (t.state[i] !== 0) cb(t.values![i] as V, t.keyHi[i]!, t.keyLo[i]!);
  }
  /** Keys sorted ascending. */
  sortedKeys(): SortedKmers {
    return this.t.sortedKeys();
  }
  clear(): void {
    this.t.clear();
  }
}

/** Occurrence counter saturating at 2 ("seen once" vs "seen more than once"). */
export class KmerCounter {
  private t: Table;
  constructor(expectedSize = 8) {
    this.t = new Table(expectedSize);
  }
  /** Number of distinct keys. */
  get size(): number {
    return this.t.size;
  }
  add(hi: number, lo: number): void {
    const i = this.t.claim(hi, lo);
    if (!this.t.inserted && this.t.state[i] === 1) this.t.state[i] = 2;
  }
  /** 0, 1 or 2 (= two or more). */
  count(hi: number, lo: number): number {
    const i = this.t.find(hi, lo);
    return i < 0 ? 0 : this.t.state[i]!;
  }
  /** Keys seen exactly once (sorted) and keys seen at least twice (sorted). */
  split(): { singletons: SortedKmers; duplicates: SortedKmers } {
    const t = this.t;
    let n1 = 0;
    for (let i = 0; i < t.state.length; i++) if (t.state[i] === 1) n1++;
    const n2 = t.size - n1;
    const h1 = new Uint32Array(n1);
    const l1 = new Uint32Array(n1);
    const h2 = new Uint32Array(n2);
    const l2 = new Uint32Array(n2);
    let a = 0;
    let b = 0;
    for (let i = 0; i < t.state.length; i++) {
      const s = t.state[i];
      if (s === 1) {
        h1[a] = t.keyHi[i]!;
        l1[a++] = t.keyLo[i]!;
      } else if (s === 2) {
        h2[b] = t.keyHi[i]!;
        l2[b++] = t.keyLo[i]!;
      }
    }
    sortKmerPairs(h1, l1, n1);
    sortKmerPairs(h2, l2, n2);
    return { singletons: new SortedKmers(h1, l1), duplicates: new SortedKmers(h2, l2) };
  }
}

/**
 * start[b] = first index whose hi >>> 16 >= b. A function of its own: built in the constructor, the
 * loop was compiled on the stack and thrown away again for every new set.
 */
function bucketStarts(hi: Uint32Array): Uint32Array {
  const start = new Uint32Array(65537);
  const n = hi.length;
  let j = 0;
  for (let b = 0; b <= 65536; b++) {
    while (j < n && hi[j]! >>> 16 < b) j++;
    start[b] = j;
  }
  return start;
}

/**
 * Sorted (ascending, unsigned 64-bit), duplicate-free k-mer array with O(log) membership through a
 * 16-bit first-level index on the top bits.
 */
export class SortedKmers implements KmerLookup {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  private readonly start: Uint32Array; // start[b] = first index whose hi >>> 16 >= b

  /** `hi`/`lo` must be sorted ascending and unique (not checked). */
  constructor(hi: Uint32Array, lo: Uint32Array) {
    if (hi.length !== lo.length) throw new RangeError('SortedKmers: hi and lo differ in length');
    this.hi = hi;
    this.lo = lo;
    this.start = bucketStarts(hi);
  }

  static empty(): SortedKmers {
    return new SortedKmers(new Uint32Array(0), new Uint32Array(0));
  }

  /** From arbitrary bigints (sorted and deduplicated here). */
  static fromBigInts(values: Iterable<bigint>): SortedKmers {
    const arr = BigUint64Array.from(new Set(Array.from(values, (v) => BigInt.asUintN(64, v))));
    arr.sort();
    const hi = new Uint32Array(arr.length);
    const lo = new Uint32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      hi[i] = Number(arr[i]! >> 32n);
      lo[i] = Number(arr[i]! & 0xffffffffn);
    }
    return new SortedKmers(hi, lo);
  }

  get size(): number {
    return this.hi.length;
  }

  /** Index of (hi, lo), or -1. */
  indexOf(hi: number, lo: number): number {
    const b = hi >>> 16;
    let a = this.start[b]!;
    let z = this.start[b + 1]!; // exclusive
    const H = this.hi;
    const Lo = this.lo;
    while (a < z) {
      const m = (a + z) >>> 1;
      const mh = H[m]!;
      if (mh < hi || (mh === hi && Lo[m]! < lo)) a = m + 1;
      else z = m;
    }
    return a < this.start[b + 1]! && H[a] === hi && Lo[a] === lo ? a : -1;
  }

  has(hi: number, lo: number): boolean {
    return this.indexOf(hi, lo) >= 0;
  }

  toBigUint64Array(): BigUint64Array {
    const n = this.hi.length;
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = (BigInt(this.hi[i]!) << 32n) | BigInt(this.lo[i]!);
    return out;
  }

  /** `this` minus every key of `other` (both sorted): merge-based set difference. */
  difference(other: SortedKmers): SortedKmers {
    const n = this.hi.length;
    const m = other.hi.length;
    const oh = new Uint32Array(n);
    const ol = new Uint32Array(n);
    let i = 0;
    let j = 0;
    let w = 0;
    const H = this.hi;
    const L = this.lo;
    const OH = other.hi;
    const OL = other.lo;
    while (i < n) {
      const h = H[i]!;
      const l = L[i]!;
      while (j < m && (OH[j]! < h || (OH[j] === h && OL[j]! < l))) j++;
      if (!(j < m && OH[j] === h && OL[j] === l)) {
        oh[w] = h;
        ol[w++] = l;
      }
      i++;
    }
    return new SortedKmers(oh.slice(0, w), ol.slice(0, w));
  }
}

/**
 * Sort n (hi, lo) pairs ascending as unsigned 64-bit values, in place (LSD radix, 16-bit digits;
 * passes where every key has the same digit are skipped).
 */
export function sortKmerPairs(hi: Uint32Array, lo: Uint32Array, n: number = hi.length): void {
  if (n < 2) return;
  if (n < 256) {
    insertionSortPairs(hi, lo, n);
    return;
  }
  let sh = hi;
  let sl = lo;
  let th: Uint32Array = new Uint32Array(n);
  let tl: Uint32Array = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const useHi = pass >= 2;
    const shift = (pass & 1) * 16;
    const keys = useHi ? sh : sl;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i]! >>> shift) & 0xffff]!++;
    if (count[(keys[0]! >>> shift) & 0xffff] === n) continue; // one bucket: order unchanged
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = (keys[i]! >>> shift) & 0xffff;
      const p = count[d]!++;
      th[p] = sh[i]!;
      tl[p] = sl[i]!;
    }
    const xh = sh;
    const xl = sl;
    sh = th;
    sl = tl;
    th = xh;
    tl = xl;
  }
  if (sh !== hi) {
    hi.set(sh.subarray(0, n));
    lo.set(sl.subarray(0, n));
  }
}

function insertionSortPairs(hi: Uint32Array, lo: Uint32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const h = hi[i]!;
    const l = lo[i]!;
    let j = i - 1;
    while (j >= 0 && (hi[j]! > h || (hi[j] === h && lo[j]! > l))) {
      hi[j + 1] = hi[j]!;
      lo[j + 1] = lo[j]!;
      j--;
    }
    hi[j + 1] = h;
    lo[j + 1] = l;
  }
}

/** Growable list of (hi, lo) pairs (e.g. splitters emitted by a walk). */
export class KmerList {
  hi: Uint32Array;
  lo: Uint32Array;
  length = 0;
  constructor(capacity = 16) {
    this.hi = new Uint32Array(Math.max(capacity, 1));
    this.lo = new Uint32Array(Math.max(capacity, 1));
  }
  push(hi: number, lo: number): void {
    if (this.length === this.hi.length) {
      const nh = new Uint32Array(this.hi.length * 2);
      const nl = new Uint32Array(this.hi.length * 2);
      nh.set(this.hi);
      nl.set(this.lo);
      this.hi = nh;
      this.lo = nl;
    }
    this.hi[this.length] = hi;
    this.lo[this.length++] = lo;
  }
  clear(): void {
    this.length = 0;
  }
  toBigInts(): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < this.length; i++) out.push((BigInt(this.hi[i]!) << 32n) | BigInt(this.lo[i]!));
    return out;
  }
}

/**
 * Split sorted (hi, lo) pairs [0, n) into the values occurring once and those occurring more than
 * once (each listed once). Only equality is used, so pairs stored in any order-preserving encoding
 * work. The singletons are compacted in place: sHi/sLo are views of H/L.
 */
export function splitRunsInPlace(H: Uint32Array, L: Uint32Array, n: number): { sHi: Uint32Array; sLo: Uint32Array; dHi: Uint32Array; dLo: Uint32Array } {
  let n2 = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && H[j] === H[i] && L[j] === L[i]) j++;
    if (j !== i + 1) n2++;
    i = j;
  }
  const dHi = new Uint32Array(n2);
  const dLo = new Uint32Array(n2);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && H[j] === H[i] && L[j] === L[i]) j++;
    if (j === i + 1) {
      H[a] = H[i]!;
      L[a++] = L[i]!;
    } else {
      dHi[b] = H[i]!;
      dLo[b++] = L[i]!;
    }
    i = j;
  }
  return { sHi: H.subarray(0, a), sLo: L.subarray(0, a), dHi, dLo };
}
