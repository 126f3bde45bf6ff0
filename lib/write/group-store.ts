// Storage of one group (upstream CSegment, docs/format.md 7.4, 7.6, 7.8): the reference, the
// current delta pack with deduplication, raw packs, and the "packed" state of groups continued
// from an input archive. It does not touch the archive: finished parts are queued in `out` and the
// caller adds them (buffered) to the right stream, so the same code runs in a worker thread.
import { now, threadSteps } from './stage-stats.js';
import { LzDiff, type SharedLzData } from './lz-diff-encode.js';
import { nativeLagFraction } from './native-scans.js';
import { encodePackPart, encodeReferencePart } from '../format/segment-codec.js';
import { decodeReferencePart, unpackPart, type Decompress } from '../format/segment-decode.js';
import { CODE_IDENTITY } from '../format/letters.js';
import type { GroupView } from './grouping.js';
import { AgcError, AgcErrorCode } from '../errors.js';

/** Number of raw groups (ids 0..15). */
export const NO_RAW_GROUPS = 16;

/** zstd frame of `data` at `level`. */
export type Compress = (data: Uint8Array, level: number) => Uint8Array;

/** A finished part for the group's reference ('r') or delta ('d') stream. */
export interface GroupPart {
  stream: 'r' | 'd';
  data: Uint8Array;
  metadata: number;
}

/** The last parts of a group copied from an input archive (append). */
export interface PackedGroupInit {
  /** Reference part as stored (undefined for raw groups / no `r` stream). */
  ref?: { data: Uint8Array; metadata: number };
  /** Last delta part as stored (undefined when the `d` stream has no part). */
  lastDelta?: { data: Uint8Array; metadata: number };
  /** Number of delta parts copied verbatim (all but the last). */
  copiedParts: number;
}

const EMPTY_COSTS = new Uint32Array(0);

/**
 * A pack item in shared memory: at the close stage the pending packs of every group are shared
 * out between all threads, and items already in shared memory go without a copy (a copy of every
 * pending pack at once was the peak of memory use on small collections). One buffer per item, of
 * its exact size: a growing buffer per pack would leave its outgrown copies to the garbage
 * collector, which the store loops rarely wake.
 */
function sharedCopy(src: Uint8Array): Uint8Array {
  const c = new Uint8Array(new SharedArrayBuffer(src.length));
  c.set(src);
  return c;
}

/** One group's writer state. */
export class GroupStore implements GroupView {
  readonly id: number;
  private readonly packCardinality: number;
  private readonly minMatchLen: number;
  private readonly compress: Compress;
  private readonly decompress: Decompress | null;

  private lz: LzDiff | null = null;
  private refSizeValue = 0;
  /** Items handed out so far (upstream no_seqs). */
  private noSeqs = 0;
  /** Current pack: LZ deltas (LZ groups) or raw segments (raw groups). */
  private items: Uint8Array[] = [];
  /** Append: parts not unpacked yet. */
  private packed: PackedGroupInit | null = null;
  /** Finished parts waiting to be written, in order. */
  out: GroupPart[] = [];
  /**
   * The reference part is encoded elsewhere (any thread: it depends on the segment only), so add()
   * only installs the reference. Set by the worker pool, which shares reference jobs out.
   */
  externalReferencePart = false;

  constructor(id: number, packCardinality: number, minMatchLen: number, compress: Compress, decompress: Decompress | null = null) {
    this.id = id;
    this.packCardinality = packCardinality;
    this.minMatchLen = minMatchLen;
    this.compress = compress;
    this.decompress = decompress;
  }

  get isRaw(): boolean {
    return this.id < NO_RAW_GROUPS;
  }

  /** Reference length + 1; 0 for raw groups, groups without reference and still-packed groups. */
  get refSize(): number {
    return this.refSizeValue;
  }

  /** Items stored or referenced so far (in_group ids handed out). */
  get count(): number {
    return this.noSeqs;
  }

  /**
   * Continue a group of an input archive: `copiedParts` delta parts were already copied to the
   * output; the reference and the last delta part stay packed until the first add.
   */
  static packedFrom(id: number, init: PackedGroupInit, packCardinality: number, minMatchLen: number, compress: Compress, decompress: Decompress): GroupStore {
    const g = new GroupStore(id, packCardinality, minMatchLen, compress, decompress);
    g.noSeqs = (init.ref ? 1 : 0) + init.copiedParts * packCardinality;
    g.packed = init;
    return g;
  }

  private unpack(): void {
    const p = this.packed!;
    this.packed = null;
    if (!this.decompress) throw new AgcError(AgcErrorCode.INTERNAL, `group ${this.id}: no decompressor for packed data`);
    if (p.ref && p.ref.data.length > 0) {
      const ref = decodeReferencePart(p.ref.data, p.ref.metadata, this.decompress, CODE_IDENTITY);
      this.setReference(ref);
    }
    if (p.lastDelta && p.lastDelta.data.length > 0) {
      const pack = unpackPart(p.lastDelta.data, p.lastDelta.metadata, this.decompress);
      // Entries end with 0xff; the builtin search keeps this once-per-group scan out of the
      // optimising compiler, which recompiled it many times per worker.
      const d = pack.data;
      for (let b = 0, i = d.indexOf(0xff); i >= 0; b = i + 1, i = d.indexOf(0xff, b)) this.items.push(sharedCopy(d.subarray(b, i)));
      this.noSeqs += this.items.length;
    }
  }

  private setReference(ref: Uint8Array): void {
    const shared = this.sharedCoder;
    this.sharedCoder = null;
    this.lz = shared !== null && shared.refLength === ref.length ? shared : new LzDiff(ref, this.minMatchLen);
    this.refSizeValue = ref.length + 1;
  }

  /** A coder over this group's reference built by another thread (shared memory): add() uses it. */
  private sharedCoder: LzDiff | null = null;

  /** The group's first segment will come with this coder (same reference, index already built). */
  useSharedCoder(data: SharedLzData): void {
    this.sharedCoder = new LzDiff(data, this.minMatchLen);
  }

  /**
   * When set, full packs are handed out here (items in shared memory) instead of being encoded:
   * the worker pool lets any thread compress them.
   */
  packSink: ((items: Uint8Array[]) => void) | null = null;

  private emitPack(): void {
    if (this.packSink) this.packSink(this.items);
    else {
      const { data, metadata } = encodePackPart(this.items, this.compress);
      this.out.push({ stream: 'd', data, metadata });
    }
    this.items = [];
  }

  /** add_raw: append a raw segment; returns its in-group id. */
  addRaw(seg: Uint8Array): number {
    if (this.packed) this.unpack();
    if (this.items.length === this.packCardinality) this.emitPack();
    // Raw items can wait many batches for their pack: own them (a view could keep a larger
    // buffer alive, and shared batch memory is reused once the batch is stored).
    this.items.push(sharedCopy(seg));
    return this.noSeqs++;
  }

  /** add: store an LZ-group segment (reference, delta or duplicate); returns its in-group id. */
  add(seg: Uint8Array): number {
    if (this.packed) this.unpack();
    if (this.noSeqs === 0) {
      this.setReference(seg);
      if (!this.externalReferencePart) {
        const { data, metadata } = encodeReferencePart(seg, this.compress, nativeLagFraction);
        this.out.push({ stream: 'r', data, metadata });
      }
      this.noSeqs = 1;
      return 0;
    }
    if (this.items.length === this.packCardinality) this.emitPack();
    const delta = this.lz!.encode(seg);
    return this.addDelta(delta);
  }

  /**
   * The part of add() after encoding, for callers that encoded elsewhere (a worker): dedup within
   * the current pack, or append. The reference must be set and the pack-full check done by add().
   */
  private addDelta(delta: Uint8Array): number {
    if (delta.length === 0) return 0;
    const items = this.items;
    const n = items.length;
    for (let i = 0; i < n; i++) {
      if (equalBytes(items[i]!, delta)) return this.noSeqs - (n - i);
    }
    items.push(sharedCopy(delta));
    return this.noSeqs++;
  }

  estimate(seq: Uint8Array, bound: number): number {
    if (this.refSizeValue === 0) return 0;
    return this.lz!.estimate(seq, bound);
  }

  costs(seq: Uint8Array, prefix: boolean, out?: Uint32Array): Uint32Array {
    if (this.refSizeValue === 0) return EMPTY_COSTS;
    return this.lz!.costs(seq, prefix, out);
  }

  /**
   * The pending pack's items, removed from the group so that finish() will not encode them: the
   * caller encodes them as the group's last part (encodePackPart), possibly on another thread.
   */
  takePendingItems(): Uint8Array[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  /** finish: queue the pending pack, or re-emit an untouched input part unchanged. */
  finish(): void {
    if (this.items.length > 0) this.emitPack();
    if (this.packed?.lastDelta && this.packed.lastDelta.data.length > 0) {
      this.out.push({ stream: 'd', data: this.packed.lastDelta.data, metadata: this.packed.lastDelta.metadata });
    }
    this.packed = null;
  }

  /** Take the queued parts. */
  drain(): GroupPart[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

/** Step name of LZ-diff estimates (and index builds) made for decisions. */
export const LZ_STEP = 'LZ-diff estimates';

/** Grouping's view of a raw group: no reference. */
export const RAW_VIEW: GroupView = Object.freeze({
  refSize: 0,
  estimate: () => 0,
  costs: () => EMPTY_COSTS,
});

/** Grouping's view of an LZ group kept beside its store (which may live in a worker thread). */
export class RefView implements GroupView {
  private lz: LzDiff | null = null;
  private size = 0;
  private packedRef: { data: Uint8Array; metadata: number } | null = null;

  /** `ref` = the reference segment (copied), or null for a group continued from an input archive. */
  constructor(
    ref: Uint8Array | null,
    private readonly minMatchLen: number,
    /** Keep the reference and index in shared memory (decisions in other threads read them). */
    private readonly shareable = false,
  ) {
    if (ref) this.set(ref);
  }

  /** A view over another thread's shared reference data. */
  static fromShared(data: SharedLzData, minMatchLen: number): RefView {
    const v = new RefView(null, minMatchLen);
    v.lz = new LzDiff(data, minMatchLen);
    v.size = v.lz.refLength + 1;
    return v;
  }

  /** The shared reference data (index built now), or null while the group is packed. */
  sharedData(): SharedLzData | null {
    return this.lz ? this.lz.shared() : null;
  }

  /** Build the LZ-diff indexes of these views at once, on up to `threads` threads (see LzDiff.buildIndexes). */
  static buildIndexes(views: readonly RefView[], threads: number): void {
    LzDiff.buildIndexes(
      views.flatMap((v) => (v.lz ? [v.lz] : [])),
      threads,
    );
  }

  /** Append: a group that stays "packed" (refSize 0) until touch(). */
  static packed(refPart: { data: Uint8Array; metadata: number } | undefined, minMatchLen: number, shareable = false): RefView {
    const v = new RefView(null, minMatchLen, shareable);
    v.packedRef = refPart ?? null;
    return v;
  }

  private set(ref: Uint8Array): void {
    this.lz = new LzDiff(ref, this.minMatchLen, this.shareable);
    this.size = ref.length + 1;
  }

  /** The group received a segment in this run: unpack the reference like CSegment::unpack. */
  touch(decompress: Decompress): void {
    const p = this.packedRef;
    if (p === null) return;
    this.packedRef = null;
    if (p.data.length > 0) this.set(decodeReferencePart(p.data, p.metadata, decompress, CODE_IDENTITY));
  }

  get refSize(): number {
    return this.size;
  }

  estimate(seq: Uint8Array, bound: number): number {
    if (this.size === 0) return 0;
    const t = now();
    const r = this.lz!.estimate(seq, bound);
    threadSteps.add(LZ_STEP, now() - t);
    return r;
  }

  costs(seq: Uint8Array, prefix: boolean, out?: Uint32Array): Uint32Array {
    if (this.size === 0) return EMPTY_COSTS;
    const t = now();
    const r = this.lz!.costs(seq, prefix, out);
    threadSteps.add(LZ_STEP, now() - t);
    return r;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
