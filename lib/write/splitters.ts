// Splitter k-mers (docs/format.md 7.2): reference candidates (singletons), the per-contig walk
// that picks splitters about S symbols apart, adaptive mining of new splitters, and the fallback
// minimizer filter/map. All k-mers are canonical, left-aligned, as (hi, lo) uint32 halves.
import { KmerScanner, KMER_NONE_HI, KMER_NONE_LO } from './kmer/kmer.js';
import { KmerList, KmerMap, SortedKmers, sortKmerPairs, splitRunsInPlace, type KmerLookup } from './kmer/kmer-set.js';
import { murmur64Into } from './kmer/murmur64.js';
import { kmerCounts, kmerMineSplitters, kmerNewSingletons, kmerSingletonsExcept } from '../native/kmer.js';
import { fallbackFilterIndices } from './native-scans.js';

// ---------------------------------------------------------------------------------------------
// Candidates (2.2)

/** Reference k-mer statistics. */
export interface Candidates {
  k: number;
  /** Canonical values occurring exactly once over all full windows of all reference contigs. */
  singletons: SortedKmers;
  /** The set D of values occurring at least twice (used by adaptive mining, 2.5). */
  duplicates: SortedKmers;
  /** Number of full windows seen. */
  windows: number;
}

/**
 * Collects canonical k-mers of every full window, contig by contig, then splits singletons/duplicates
 * (TypeScript radix sort; {@link findCandidates} computes the same sets in the addon).
 */
export class CandidateCollector {
  readonly k: number;
  private hi: Uint32Array;
  private lo: Uint32Array;
  private n = 0;
  private readonly scanner: KmerScanner;

  /** `expectedWindows` only sizes the first buffer. */
  constructor(k: number, expectedWindows = 1 << 16) {
    this.k = k;
    this.scanner = new KmerScanner(k);
    this.hi = new Uint32Array(Math.max(16, expectedWindows));
    this.lo = new Uint32Array(Math.max(16, expectedWindows));
  }

  /** Add the canonical value of every full window of `seq` (codes). */
  addContig(seq: Uint8Array): void {
    const len = seq.length;
    if (this.n + len > this.hi.length) this.reserve(this.n + len);
    const s = this.scanner;
    s.reset();
    const H = this.hi;
    const L = this.lo;
    let n = this.n;
    for (let i = 0; i < len; i++) {
      const x = seq[i]!;
      if (x > 3) {
        s.reset();
        continue;
      }
      s.push(x);
      if (s.len === this.k) {
        if (s.isDirOriented()) {
          H[n] = s.dirHi;
          L[n++] = s.dirLo;
        } else {
          H[n] = s.rcHi;
          L[n++] = s.rcLo;
        }
      }
    }
    this.n = n;
  }

  private reserve(min: number): void {
    let cap = this.hi.length;
    while (cap < min) cap *= 2;
    const nh = new Uint32Array(cap);
    const nl = new Uint32Array(cap);
    nh.set(this.hi.subarray(0, this.n));
    nl.set(this.lo.subarray(0, this.n));
    this.hi = nh;
    this.lo = nl;
  }

  /** Sort and split into singletons and duplicates. The collector is emptied. */
  finish(): Candidates {
    const n = this.n;
    const H = this.hi;
    const L = this.lo;
    sortKmerPairs(H, L, n);
    const r = splitRuns(H, L, n);
    this.hi = new Uint32Array(16);
    this.lo = new Uint32Array(16);
    this.n = 0;
    return { k: this.k, singletons: r.singletons, duplicates: r.duplicates, windows: n };
  }
}

/** Sorted pairs -> values occurring once, and values occurring more than once (each listed once). */
function splitRuns(H: Uint32Array, L: Uint32Array, n: number): { singletons: SortedKmers; duplicates: SortedKmers } {
  const r = splitRunsInPlace(H, L, n);
  // copies, so the window buffer (every k-mer of the input) can be freed
  return { singletons: new SortedKmers(r.sHi.slice(), r.sLo.slice()), duplicates: new SortedKmers(r.dHi, r.dLo) };
}

/**
 * Candidate k-mers of a reference (2.2 steps 1-3): every contig's full windows counted together,
 * in the addon (same sets as {@link CandidateCollector}, without its second buffer). Without
 * `keepDuplicates` the duplicate set is left empty. Step 4 (empty fallback entries) is
 * {@link addFallbackKmers}.
 */
export function findCandidates(contigs: Iterable<Uint8Array>, k: number, keepDuplicates = true, threads = 1): Candidates {
  const r = kmerCounts([...contigs], k, keepDuplicates, threads);
  return {
    k,
    singletons: new SortedKmers(r.singletonsHi, r.singletonsLo),
    duplicates: new SortedKmers(r.duplicatesHi, r.duplicatesLo),
    windows: r.windows,
  };
}

/** Async variant of {@link findCandidates}, e.g. over `readFastaContigs(path)` (reads `.seq`). */
export async function findCandidatesAsync(contigs: AsyncIterable<{ seq: Uint8Array }>, k: number): Promise<Candidates> {
  const all: Uint8Array[] = [];
  for await (const { seq } of contigs) all.push(seq);
  return findCandidates(all, k);
}

// ---------------------------------------------------------------------------------------------
// Fallback filter, records and map (2.6)

const FILTER_XOR_HI = 0xd73f8bf1;
const FILTER_XOR_LO = 0x1046c40e;

/**
 * kmer_filter_t: x passes iff (MurMur64(x) XOR 0xD73F8BF11046C40E) < thr with
 * thr = (uint64)((double)2^64 * fraction). fraction 0 disables the filter (nothing passes).
 */
export class FallbackFilter {
  readonly fraction: number;
  /** Threshold halves. */
  readonly thrHi: number;
  readonly thrLo: number;
  private readonly tmp = new Uint32Array(2);

  /** `fraction` in [0, 1) (the CLI clamps to [0, 0.05]). */
  constructor(fraction: number) {
    if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`fallback fraction ${fraction} is outside [0, 1)`);
    this.fraction = fraction;
    // Same double product as upstream, then truncation; the result is an integral double < 2^64, so
    // splitting it by a power of two is exact.
    const t = fraction === 0 ? 0 : Math.trunc(18446744073709551616 * fraction);
    const hi = Math.floor(t / 4294967296);
    this.thrHi = hi;
    this.thrLo = t - hi * 4294967296;
  }

  /** The feature is on (threshold != 0). */
  get enabled(): boolean {
    return this.thrHi !== 0 || this.thrLo !== 0;
  }

  /** Threshold as bigint (tests). */
  get threshold(): bigint {
    return (BigInt(this.thrHi) << 32n) | BigInt(this.thrLo);
  }

  test(hi: number, lo: number): boolean {
    if (this.thrHi === 0 && this.thrLo === 0) return false;
    murmur64Into(hi, lo, this.tmp, 0);
    const h = (this.tmp[0]! ^ FILTER_XOR_HI) >>> 0;
    if (h !== this.thrHi) return h < this.thrHi;
    return (this.tmp[1]! ^ FILTER_XOR_LO) >>> 0 < this.thrLo;
  }
}

/**
 * Pending fallback records (s1, s2, x, dir) from walks: 7 uint32 per record
 * [s1hi, s1lo, s2hi, s2lo, xhi, xlo, dir(0/1)]. s1 may be ~0 (first segment of a contig).
 */
export class FallbackRecords {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 16) {
    this.data = new Uint32Array(Math.max(1, capacity) * 7);
  }
  push(s1hi: number, s1lo: number, s2hi: number, s2lo: number, xhi: number, xlo: number, dir: boolean): void {
    if ((this.length + 1) * 7 > this.data.length) {
      const nd = new Uint32Array(this.data.length * 2);
      nd.set(this.data);
      this.data = nd;
    }
    const o = this.length++ * 7;
    const d = this.data;
    d[o] = s1hi;
    d[o + 1] = s1lo;
    d[o + 2] = s2hi;
    d[o + 3] = s2lo;
    d[o + 4] = xhi;
    d[o + 5] = xlo;
    d[o + 6] = dir ? 1 : 0;
  }
  /** Append records in this layout (7 words each). */
  appendData(d: Uint32Array): void {
    const n = this.length * 7 + d.length;
    if (n > this.data.length) {
      const nd = new Uint32Array(Math.max(n, this.data.length * 2));
      nd.set(this.data.subarray(0, this.length * 7));
      this.data = nd;
    }
    this.data.set(d, this.length * 7);
    this.length = n / 7;
  }
  /** Append all records of another list. */
  append(o: FallbackRecords): void {
    this.appendData(o.data.subarray(0, 7 * o.length));
  }
  clear(): void {
    this.length = 0;
  }
  /** Record i as bigints (tests/debugging). */
  get(i: number): { s1: bigint; s2: bigint; x: bigint; dir: boolean } {
    const d = this.data;
    const o = i * 7;
    const big = (h: number, l: number): bigint => (BigInt(h) << 32n) | BigInt(l);
    return { s1: big(d[o]!, d[o + 1]!), s2: big(d[o + 2]!, d[o + 3]!), x: big(d[o + 4]!, d[o + 5]!), dir: d[o + 6] === 1 };
  }
}

/**
 * Fallback map: canonical k-mer -> set of ordered splitter pairs, each kept as 4 words
 * [phi, plo, qhi, qlo] in insertion order (order is irrelevant to lookups). The main thread and
 * every decision replica hold one with tens of thousands of keys (klebsiella-8 append -a: 39k):
 * the pairs live in one word pool, each key's run of them contiguous (moved to the pool's end,
 * with room for twice as many, when it fills), so the map is a few typed arrays rather than an
 * array object per key that every garbage collection would have to trace, in every thread.
 */
export class FallbackMap {
  /** Key -> entry number (0, 1, ... in order of insertion). */
  private readonly m = new KmerMap<number>(1024);
  /** Per entry: first word in `pool`, pairs held, pairs its run has room for. */
  private at: Uint32Array = new Uint32Array(1024);
  private count: Uint32Array = new Uint32Array(1024);
  private room: Uint32Array = new Uint32Array(1024);
  private entries = 0;
  private pool: Uint32Array = new Uint32Array(4096);
  /** Words of `pool` in use. */
  private used = 0;

  /** Number of k-mers with an entry (empty or not). */
  get size(): number {
    return this.m.size;
  }
  has(hi: number, lo: number): boolean {
    return this.m.has(hi, lo);
  }
  /** Ensure an (empty) entry for x. */
  addKmer(hi: number, lo: number): void {
    if (this.m.claimValue(hi, lo) === undefined) this.m.setClaimed(hi, lo, this.newEntry());
  }
  /** Add the ordered pair (p, q) to x's entry unless already there (creates the entry). */
  addPair(xhi: number, xlo: number, phi: number, plo: number, qhi: number, qlo: number): void {
    let e = this.m.claimValue(xhi, xlo);
    if (e === undefined) {
      e = this.newEntry();
      this.m.setClaimed(xhi, xlo, e);
    } else if (hasPair(this.pool, this.at[e]!, this.count[e]!, phi, plo, qhi, qlo)) return;
    if (this.count[e] === this.room[e]) this.moveToEnd(e);
    const o = this.at[e]! + 4 * this.count[e]!++;
    const pool = this.pool;
    pool[o] = phi;
    pool[o + 1] = plo;
    pool[o + 2] = qhi;
    pool[o + 3] = qlo;
  }
  /** Pairs of x ([phi, plo, qhi, qlo]*, a view valid until the next addition), or undefined when x has no entry. */
  getPairs(hi: number, lo: number): Uint32Array | undefined {
    const e = this.m.get(hi, lo);
    return e === undefined ? undefined : this.pairsOf(e);
  }
  forEach(cb: (pairs: Uint32Array, hi: number, lo: number) => void): void {
    this.m.forEach((e, hi, lo) => cb(this.pairsOf(e), hi, lo));
  }

  private pairsOf(e: number): Uint32Array {
    const from = this.at[e]!;
    return this.pool.subarray(from, from + 4 * this.count[e]!);
  }

  private newEntry(): number {
    const e = this.entries++;
    if (e === this.at.length) {
      this.at = grownWords(this.at, 2 * e);
      this.count = grownWords(this.count, 2 * e);
      this.room = grownWords(this.room, 2 * e);
    }
    // Room for one pair (most keys get one); an entry made empty on purpose never uses it.
    this.at[e] = this.used;
    this.count[e] = 0;
    this.room[e] = 1;
    this.reserve(4);
    return e;
  }

  /** The entry's run moves to the pool's end with room for twice its pairs (the old words stay unused). */
  private moveToEnd(e: number): void {
    const from = this.at[e]!;
    const n = this.count[e]!;
    const to = this.used;
    this.reserve(8 * n);
    this.pool.copyWithin(to, from, from + 4 * n);
    this.at[e] = to;
    this.room[e] = 2 * n;
  }

  private reserve(words: number): void {
    if (this.used + words > this.pool.length) this.pool = grownWords(this.pool, Math.max(2 * this.pool.length, this.used + words));
    this.used += words;
  }
}

function grownWords(a: Uint32Array, length: number): Uint32Array {
  const b = new Uint32Array(length);
  b.set(a);
  return b;
}

/** pool holds (p, q) among the n pairs from word `from`. */
function hasPair(pool: Uint32Array, from: number, n: number, phi: number, plo: number, qhi: number, qlo: number): boolean {
  for (let i = from, end = from + 4 * n; i < end; i += 4) if (pool[i] === phi && pool[i + 1] === plo && pool[i + 2] === qhi && pool[i + 3] === qlo) return true;
  return false;
}

/** Apply one record: add (s1, s2) to map[x] if dir, else (s2, s1) (2.6). */
export function applyFallbackRecord(map: FallbackMap, s1hi: number, s1lo: number, s2hi: number, s2lo: number, xhi: number, xlo: number, dir: boolean): void {
  if (dir) map.addPair(xhi, xlo, s1hi, s1lo, s2hi, s2lo);
  else map.addPair(xhi, xlo, s2hi, s2lo, s1hi, s1lo);
}

/** Apply every record of a list (order irrelevant). */
export function applyFallbackRecords(map: FallbackMap, records: FallbackRecords): void {
  applyFallbackRecordData(map, records.data, records.length);
}

/** Apply the first `n` records of a FallbackRecords-layout array (7 words each). */
export function applyFallbackRecordData(map: FallbackMap, d: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * 7;
    applyFallbackRecord(map, d[o]!, d[o + 1]!, d[o + 2]!, d[o + 3]!, d[o + 4]!, d[o + 5]!, d[o + 6] === 1);
  }
}

/** 2.2 step 4 / 2.5 step 3: every value of `kmers` passing the filter gets an (empty) entry. */
export function addFallbackKmers(map: FallbackMap, kmers: SortedKmers, filter: FallbackFilter): void {
  if (!filter.enabled) return;
  const H = kmers.hi;
  const L = kmers.lo;
  for (const i of fallbackFilterIndices(H, L, filter)) map.addKmer(H[i]!, L[i]!);
}

// ---------------------------------------------------------------------------------------------
// The walk (2.3)

/** Output of a walk: emitted splitters (in emission order) and pending fallback records. */
export interface WalkResult {
  splitters: KmerList;
  fallback: FallbackRecords;
}

export function newWalkResult(): WalkResult {
  return { splitters: new KmerList(), fallback: new FallbackRecords() };
}

// Reused scratch for the "recent k-mers since the last splitter" and pending fallback k-mers.
let recentHi = new Uint32Array(1 << 12);
let recentLo = new Uint32Array(1 << 12);
let fbBuf = new Uint32Array(3 * 256);

/**
 * find_splitters_in_contig: walk `seq` choosing splitters at least S symbols apart among
 * `candidates`, plus the rightmost candidate at the contig end (2.3). When `fallback` is enabled,
 * fallback records (prev, splitter, x, dir) are produced for filtered asymmetric k-mers (2.6).
 * Results are appended to `out` (a new result when omitted), which is returned.
 */
export function findSplittersInContig(
  seq: Uint8Array,
  k: number,
  S: number,
  candidates: KmerLookup,
  fallback?: FallbackFilter | null,
  out: WalkResult = newWalkResult(),
): WalkResult {
  const scanner = new KmerScanner(k);
  const useFb = fallback != null && fallback.enabled;
  let dist = S;
  let nRecent = 0;
  let nFb = 0;
  let prevHi = KMER_NONE_HI;
  let prevLo = KMER_NONE_LO;
  const len = seq.length;

  for (let i = 0; i < len; i++) {
    const x = seq[i]!;
    if (x > 3) scanner.reset();
    else {
      scanner.push(x);
      if (scanner.len === k) {
        const dirOr = scanner.isDirOriented();
        const ch = dirOr ? scanner.dirHi : scanner.rcHi;
        const cl = dirOr ? scanner.dirLo : scanner.rcLo;
        if (nRecent === recentHi.length) {
          const nh = new Uint32Array(nRecent * 2);
          const nl = new Uint32Array(nRecent * 2);
          nh.set(recentHi);
          nl.set(recentLo);
          recentHi = nh;
          recentLo = nl;
        }
        recentHi[nRecent] = ch;
        recentLo[nRecent++] = cl;
        if (useFb && fallback!.test(ch, cl) && scanner.isAsymmetric()) {
          if (3 * (nFb + 1) > fbBuf.length) {
            const nb = new Uint32Array(fbBuf.length * 2);
            nb.set(fbBuf);
            fbBuf = nb;
          }
          fbBuf[3 * nFb] = ch;
          fbBuf[3 * nFb + 1] = cl;
          fbBuf[3 * nFb + 2] = dirOr ? 1 : 0;
          nFb++;
        }
        if (dist >= S && candidates.has(ch, cl)) {
          out.splitters.push(ch, cl);
          flushFallback(out.fallback, prevHi, prevLo, ch, cl, nFb);
          nFb = 0;
          prevHi = ch;
          prevLo = cl;
          dist = 0;
          scanner.reset();
          nRecent = 0;
        }
      }
    }
    dist++;
  }

  // Right end: the newest candidate among the k-mers since the last splitter.
  const r = newestCandidate(nRecent, candidates);
  if (r >= 0) {
    out.splitters.push(recentHi[r]!, recentLo[r]!);
    flushFallback(out.fallback, prevHi, prevLo, recentHi[r]!, recentLo[r]!, nFb);
  }
  return out;
}

/**
 * Index of the newest of the first `n` recent k-mers that is a candidate, or -1. A function of
 * its own: a loop first reached after the walk's loop was optimised made V8 deoptimise the walk.
 */
function newestCandidate(n: number, candidates: KmerLookup): number {
  for (let r = n - 1; r >= 0; r--) if (candidates.has(recentHi[r]!, recentLo[r]!)) return r;
  return -1;
}

/**
 * Records (prev, splitter, x, dir) for the `n` pending fallback k-mers of fbBuf. Not a closure
 * in the walk: a new closure per call made V8 deoptimise the walk at every contig.
 */
function flushFallback(records: FallbackRecords, prevHi: number, prevLo: number, sHi: number, sLo: number, n: number): void {
  for (let f = 0; f < n; f++) records.push(prevHi, prevLo, sHi, sLo, fbBuf[3 * f]!, fbBuf[3 * f + 1]!, fbBuf[3 * f + 2] === 1);
}

// ---------------------------------------------------------------------------------------------
// Adaptive mining (2.5)

/** Fallback side of mining: the filter, and the map that receives empty entries (2.5 step 3). */
export interface MiningFallback {
  filter: FallbackFilter;
  map?: FallbackMap | null;
}

/**
 * find_new_splitters (2.5 steps 1-4) for a contig in which no splitter occurs: its own singletons
 * minus the reference candidates and the reference duplicate set D become candidates of a walk.
 * Upstream mines only contigs of length >= S; shorter contigs return an empty result here too.
 * Empty fallback entries are added to `fallback.map` immediately; records go to the result.
 */
export function mineNewSplitters(
  seq: Uint8Array,
  k: number,
  S: number,
  candidates: SortedKmers,
  duplicates: SortedKmers,
  fallback?: MiningFallback | null,
  out: WalkResult = newWalkResult(),
): WalkResult {
  if (seq.length < S) return out;
  const [own] = new SortedMiningReference(candidates, duplicates).newSingletons([seq], k);
  return walkNewSplitters(seq, k, S, own!, fallback, out);
}

/**
 * 2.5 steps 3-4 for a contig whose new candidates `own` are known (see {@link MiningReference}):
 * empty fallback entries for those passing the filter (when `fallback.map` is given; an empty
 * entry changes no lookup), then the walk over them.
 */
export function walkNewSplitters(
  seq: Uint8Array,
  k: number,
  S: number,
  own: SortedKmers,
  fallback?: MiningFallback | null,
  out: WalkResult = newWalkResult(),
): WalkResult {
  if (fallback?.map && fallback.filter.enabled) addFallbackKmers(fallback.map, own, fallback.filter);
  return findSplittersInContig(seq, k, S, own, fallback?.filter ?? null, out);
}

/**
 * What adaptive mining subtracts from a contig's own singletons (2.5 step 2): every k-mer of the
 * reference, its candidates and its set D alike.
 */
export interface MiningReference {
  /** Per contig, in order: its singletons (canonical k-mers seen in one window) that no reference window holds. */
  newSingletons(contigs: readonly Uint8Array[], k: number): SortedKmers[];
  /**
   * When present: {@link walkNewSplitters} over the contigs' new singletons (no fallback map),
   * appended to `out`, in one native call.
   */
  mineSplitters?(contigs: readonly Uint8Array[], k: number, S: number, filter: FallbackFilter, out: WalkResult): void;
  /** When present: resolves once the reference is at hand (await before a call that mines). */
  ready?(): Promise<void>;
  /** When present: stop whatever still runs for it (idempotent). */
  dispose?(): void;
}

/** The reference's k-mers kept sorted, as create has them after its splitter walk. */
export class SortedMiningReference implements MiningReference {
  constructor(
    private readonly candidates: SortedKmers,
    private readonly duplicates: SortedKmers,
  ) {}

  newSingletons(contigs: readonly Uint8Array[], k: number): SortedKmers[] {
    // In the addon: only the result is allocated (a contig may have millions of windows).
    return contigs.map((seq) => {
      const r = kmerSingletonsExcept([seq], k, [this.candidates, this.duplicates]);
      return new SortedKmers(r.hi, r.lo);
    });
  }
}

/**
 * The reference kept as its contigs (codes, one byte per symbol) rather than its sorted k-mers
 * (8 bytes per distinct k-mer, plus the sort's window array while they are counted): each call
 * scans it once in the addon, keeping the windows that pass a bit filter of the contigs'
 * singletons, and removes those from every contig's list. The contigs are loaded on the first
 * call that has a contig to mine.
 */
export class ScannedMiningReference implements MiningReference {
  private contigs: Uint8Array[] | null = null;
  /**
   * `threads`: native threads for the scan and the walks. The main thread mines at a batch end,
   * where the batch's decisions and registration wait for it, so at -t 2 and more a second thread
   * shortens that wait. `early`: the same contigs as `load` gives, being loaded elsewhere (on
   * libuv's pool) since the open; if that fails, `load` runs after all (and throws what it throws).
   */
  constructor(
    private readonly load: () => Uint8Array[],
    private readonly threads = 1,
    private early: { contigs: Promise<Uint8Array[]>; stop(): void } | null = null,
  ) {}

  async ready(): Promise<void> {
    const early = this.early;
    if (this.contigs !== null || early === null) return;
    this.early = null;
    try {
      this.contigs = await early.contigs;
    } catch {
      // loaded below, on this thread
    }
  }

  dispose(): void {
    this.early?.stop();
    this.early = null;
  }

  newSingletons(contigs: readonly Uint8Array[], k: number): SortedKmers[] {
    if (contigs.length === 0) return [];
    this.contigs ??= this.load();
    return kmerNewSingletons(contigs, k, this.contigs, this.threads).map((r) => new SortedKmers(r.hi, r.lo));
  }

  /** The scan and every contig's walk in the addon (the walks, too, on up to `threads` threads). */
  mineSplitters(contigs: readonly Uint8Array[], k: number, S: number, filter: FallbackFilter, out: WalkResult): void {
    if (contigs.length === 0) return;
    this.contigs ??= this.load();
    const r = kmerMineSplitters(contigs, k, this.contigs, S, filter, this.threads);
    for (let i = 0; i < r.hi.length; i++) out.splitters.push(r.hi[i]!, r.lo[i]!);
    out.fallback.appendData(r.fallback);
  }
}
