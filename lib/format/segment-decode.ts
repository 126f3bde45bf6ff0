// Decoding of the stored forms of segment data (docs/format.md 5.3, 5.4): group reference parts
// (raw / zstd plain / zstd tuples) and packs of delta or raw entries separated by 0xFF.
// zstd is injected so these functions stay pure and testable without the native addon.
import { AgcCorruptError } from '../errors.js';

/** Decompress one zstd frame whose content size is `rawSize`. */
export type Decompress = (data: Uint8Array, rawSize: number) => Uint8Array;

/**
 * Provides the output array of a decoder: `length` bytes starting at a byte offset that is
 * congruent to `phase` modulo 4 (word-aligned 32-bit stores need that). Lets the reader place
 * references in a buffer of its choice.
 */
export type Allocate = (length: number, phase: number) => Uint8Array;

/** The default Allocate: a fresh buffer (one spare byte or more when phase is not 0). */
export const allocate: Allocate = (length, phase) => (phase === 0 ? new Uint8Array(length) : new Uint8Array(length + phase).subarray(phase));

/** Corrupt segment data (bad marker, bad tuple header, entry out of range ...); code AGC_CORRUPT. */
export class SegmentDecodeError extends AgcCorruptError {
  override name = 'SegmentDecodeError';
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Content size from a zstd frame header, or undefined when the frame does not record it.
 * Needed for tuple-packed references, whose part metadata is the unpacked length, not the
 * length of the packed bytes that zstd returns.
 */
export function zstdFrameContentSize(frame: Uint8Array): number | undefined {
  if (frame.length < 5) return undefined;
  const magic = (frame[0] | (frame[1] << 8) | (frame[2] << 16) | (frame[3] << 24)) >>> 0;
  if (magic !== ZSTD_MAGIC) return undefined;
  const fhd = frame[4];
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const dictFlag = fhd & 3;
  let p = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag];
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag];
  if (fcsBytes === 0 || p + fcsBytes > frame.length) return undefined;
  let v = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) v = v * 256 + frame[p + i];
  if (fcsBytes === 2) v += 256;
  p += fcsBytes;
  return v;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const quadTables = new WeakMap<Uint8Array, Uint32Array>();
const reverseQuadTables = new WeakMap<Uint8Array, Uint32Array>();

/**
 * For each byte of four base-4 digits, the four mapped symbols packed little-endian; with
 * `reverse`, the four symbols in reverse order (the byte's contribution to a reversed sequence).
 */
function quadTable(symbols: Uint8Array, reverse: boolean): Uint32Array {
  const cache = reverse ? reverseQuadTables : quadTables;
  let t = cache.get(symbols);
  if (!t) {
    t = new Uint32Array(256);
    for (let v = 0; v < 256; v++) {
      const d0 = symbols[v >> 6];
      const d1 = symbols[(v >> 4) & 3];
      const d2 = symbols[(v >> 2) & 3];
      const d3 = symbols[v & 3];
      t[v] = (reverse ? d3 | (d2 << 8) | (d1 << 16) | (d0 << 24) : d0 | (d1 << 8) | (d2 << 16) | (d3 << 24)) >>> 0;
    }
    cache.set(symbols, t);
  }
  return t;
}

// The hot loops are tiny functions of their own: V8 optimises a small function with a single
// path soon after it gets hot, while a large one with untaken branches is compiled later and
// deoptimised when another branch runs. In a short-lived CLI that warm-up is much of the cost.
function quadsForward(t: Uint8Array, full: number, table: Uint32Array, out32: Uint32Array): void {
  for (let i = 0; i < full; i++) out32[i] = table[t[i]];
}

function quadsReversed(t: Uint8Array, full: number, table: Uint32Array, out32: Uint32Array): void {
  for (let i = 0, j = full - 1; i < full; i++, j--) out32[j] = table[t[i]];
}

/**
 * Unpack tuple-packed codes (the TUPLES reference form) and map them through `symbols`.
 * Layout: full bytes of NB symbols each (first symbol most significant, base B), one byte with
 * the r leftover symbols, then the marker (NB << 4) | r. NB == 1 means "not packed".
 *
 * With `reverse` the symbols come out in reverse order; given a table of complemented letters,
 * that is the reverse complement, built as cheaply as the forward form (one 32-bit store per
 * packed byte when NB == 4). The result may then be a view that does not start at byte 0 of its
 * buffer (the leftover symbols come first, and the packed bytes are kept word-aligned).
 */
export function tuplesToSymbols(t: Uint8Array, symbols: Uint8Array, reverse = false, alloc: Allocate = allocate): Uint8Array {
  if (t.length < 1) throw new SegmentDecodeError('tuple-packed reference is empty');
  const marker = t[t.length - 1];
  const nb = marker >> 4;
  const r = marker & 15;
  if (nb === 1) {
    const n = t.length - 1;
    const out = alloc(n, 0);
    if (reverse) for (let i = 0, j = n - 1; i < n; i++, j--) out[j] = symbols[t[i]];
    else for (let i = 0; i < n; i++) out[i] = symbols[t[i]];
    return out;
  }
  if ((nb !== 2 && nb !== 3 && nb !== 4) || r >= nb || t.length < 2) throw new SegmentDecodeError(`bad tuple marker 0x${marker.toString(16)}`);
  const full = t.length - 2;
  if (nb === 4 && LITTLE_ENDIAN) {
    // One 32-bit store per packed byte: the four letters of every byte value are precomputed.
    if (!reverse) {
      const out = alloc(full * 4 + r, 0);
      quadsForward(t, full, quadTable(symbols, false), new Uint32Array(out.buffer, out.byteOffset, full));
      let v = t[full];
      for (let d = r - 1; d >= 0; d--, v >>= 2) out[full * 4 + d] = symbols[v & 3];
      return out;
    }
    // Reversed: the r leftover symbols first, then the packed bytes from last to first; the
    // output starts r bytes before a word boundary so that the packed part is word-aligned.
    const out = alloc(r + full * 4, (4 - r) & 3);
    quadsReversed(t, full, quadTable(symbols, true), new Uint32Array(out.buffer, out.byteOffset + r, full));
    let v = t[full];
    for (let d = 0; d < r; d++, v >>= 2) out[d] = symbols[v & 3];
    return out;
  }
  const base = nb === 4 ? 4 : nb === 3 ? 6 : 16;
  const n = full * nb + r;
  const out = alloc(n, 0);
  // A table of the nb symbols of every byte value, as for NB == 4 (quadTable): these packings
  // (IUPAC codes present: base 6 or 16) used to cost a division per symbol.
  const tab = tupleTable(symbols, nb, base);
  if (reverse) tuplesReversed(t, full, nb, tab, out, n - 1);
  else tuplesForward(t, full, nb, tab, out);
  let v = t[full];
  for (let d = r - 1; d >= 0; d--) {
    // leftover symbol d sits at position full * nb + d of the forward sequence
    out[reverse ? r - 1 - d : full * nb + d] = symbols[v % base];
    v = Math.floor(v / base);
  }
  return out;
}

const tupleTables = new Map<string, WeakMap<Uint8Array, Uint8Array>>();

/** For each byte value, its nb base-`base` digits (most significant first) mapped through `symbols`. */
function tupleTable(symbols: Uint8Array, nb: number, base: number): Uint8Array {
  const key = `${nb}`;
  let cache = tupleTables.get(key);
  if (!cache) tupleTables.set(key, (cache = new WeakMap()));
  let t = cache.get(symbols);
  if (!t) {
    t = new Uint8Array(256 * nb);
    for (let v = 0; v < 256; v++) {
      let x = v;
      for (let d = nb - 1; d >= 0; d--) {
        const digit = x % base;
        t[v * nb + d] = symbols[digit];
        x = (x - digit) / base;
      }
    }
    cache.set(symbols, t);
  }
  return t;
}

// Unrolled per packing: an inner loop over nb costs ~2x in these hot loops.
function tuplesForward(t: Uint8Array, full: number, nb: number, tab: Uint8Array, out: Uint8Array): void {
  if (nb === 3) {
    for (let i = 0, q = 0; i < full; i++, q += 3) {
      const o = t[i] * 3;
      out[q] = tab[o];
      out[q + 1] = tab[o + 1];
      out[q + 2] = tab[o + 2];
    }
  } else if (nb === 2) {
    for (let i = 0, q = 0; i < full; i++, q += 2) {
      const o = t[i] * 2;
      out[q] = tab[o];
      out[q + 1] = tab[o + 1];
    }
  } else {
    let q = 0;
    for (let i = 0; i < full; i++) {
      const o = t[i] * nb;
      for (let d = 0; d < nb; d++) out[q++] = tab[o + d];
    }
  }
}

function tuplesReversed(t: Uint8Array, full: number, nb: number, tab: Uint8Array, out: Uint8Array, last: number): void {
  if (nb === 3) {
    for (let i = 0, q = last; i < full; i++, q -= 3) {
      const o = t[i] * 3;
      out[q] = tab[o];
      out[q - 1] = tab[o + 1];
      out[q - 2] = tab[o + 2];
    }
  } else if (nb === 2) {
    for (let i = 0, q = last; i < full; i++, q -= 2) {
      const o = t[i] * 2;
      out[q] = tab[o];
      out[q - 1] = tab[o + 1];
    }
  } else {
    let q = last;
    for (let i = 0; i < full; i++) {
      const o = t[i] * nb;
      for (let d = 0; d < nb; d++) out[q--] = tab[o + d];
    }
  }
}

/**
 * Decode a group's reference part (stream x…r, part 0) into output symbols.
 * metadata 0: the data are raw codes; otherwise the last byte says 0 = zstd of the codes,
 * 1 = zstd of the tuple-packed codes. With `reverse` the symbols come out in reverse order (pass
 * complemented symbols to get the reverse complement); the result may then be a view that
 * does not start at byte 0 of its buffer.
 */
export function decodeReferencePart(
  data: Uint8Array,
  metadata: number,
  decompress: Decompress,
  symbols: Uint8Array,
  reverse = false,
  alloc: Allocate = allocate,
): Uint8Array {
  if (metadata === 0) {
    const n = data.length;
    const out = alloc(n, 0);
    if (reverse) for (let i = 0, j = n - 1; i < n; i++, j--) out[j] = symbols[data[i]];
    else for (let i = 0; i < n; i++) out[i] = symbols[data[i]];
    return out;
  }
  if (data.length < 2) throw new SegmentDecodeError('reference part too short');
  const method = data[data.length - 1];
  const frame = data.subarray(0, data.length - 1);
  if (method === 0) {
    const codes = decompress(frame, metadata);
    if (codes.length !== metadata) throw new SegmentDecodeError(`reference decompressed to ${codes.length} bytes, expected ${metadata}`);
    if (alloc === allocate) {
      for (let i = 0; i < metadata; i++) codes[i] = symbols[codes[i]];
      return reverse ? codes.reverse() : codes;
    }
    const out = alloc(metadata, 0);
    if (reverse) for (let i = 0, j = metadata - 1; i < metadata; i++, j--) out[j] = symbols[codes[i]];
    else for (let i = 0; i < metadata; i++) out[i] = symbols[codes[i]];
    return out;
  }
  if (method === 1) {
    const size = zstdFrameContentSize(frame);
    if (size === undefined) throw new SegmentDecodeError('tuple-packed reference: zstd frame without content size');
    const out = tuplesToSymbols(decompress(frame, size), symbols, reverse, alloc);
    if (out.length !== metadata) throw new SegmentDecodeError(`reference unpacked to ${out.length} symbols, expected ${metadata}`);
    return out;
  }
  throw new SegmentDecodeError(`unknown reference encoding marker ${method}`);
}

/** A decompressed pack with the positions of its entry terminators. */
export class Pack {
  /** Pack bytes: entries each followed by 0xFF. */
  readonly data: Uint8Array;
  /** ends[i] = index of the 0xFF that terminates entry i. */
  readonly ends: Uint32Array;

  /** `ends`: the terminator positions when already known (else they are searched for). */
  constructor(data: Uint8Array, ends?: Uint32Array) {
    this.data = data;
    if (ends) {
      this.ends = ends;
      return;
    }
    // indexOf is a native scan; packs hold few, long entries.
    const found: number[] = [];
    for (let i = data.indexOf(0xff); i >= 0; i = data.indexOf(0xff, i + 1)) found.push(i);
    this.ends = Uint32Array.from(found);
  }

  get length(): number {
    return this.ends.length;
  }

  /** Entry i (a view into the pack, without its terminator). */
  entry(i: number): Uint8Array {
    if (i < 0 || i >= this.ends.length) throw new SegmentDecodeError(`pack has ${this.ends.length} entries, entry ${i} requested`);
    const start = i === 0 ? 0 : this.ends[i - 1] + 1;
    return this.data.subarray(start, this.ends[i]);
  }

  /** Bytes held (for cache accounting). */
  get byteSize(): number {
    return this.data.byteLength + this.ends.byteLength;
  }
}

/**
 * The bytes of a pack part: metadata 0 = stored as is; otherwise zstd frame + one marker byte,
 * which must be stripped before decompression (zstd would call it trailing garbage).
 */
export function unpackPart(data: Uint8Array, metadata: number, decompress: Decompress): Pack {
  return new Pack(packBytes(data, metadata, decompress));
}

/** As unpackPart, the pack's bytes only (without locating its entries). */
export function packBytes(data: Uint8Array, metadata: number, decompress: Decompress): Uint8Array {
  if (metadata === 0) return data;
  if (data.length < 2) throw new SegmentDecodeError('pack part too short');
  const raw = decompress(data.subarray(0, data.length - 1), metadata);
  if (raw.length !== metadata) throw new SegmentDecodeError(`pack decompressed to ${raw.length} bytes, expected ${metadata}`);
  return raw;
}

/**
 * Write raw-group entry codes as symbols into dst[offset, offset + entry.length), reversed when
 * `reverse` (pass complemented symbols then, to get the reverse complement).
 */
export function rawEntryInto(entry: Uint8Array, symbols: Uint8Array, dst: Uint8Array, offset: number, reverse: boolean): void {
  if (reverse) rawReverse(entry, symbols, dst, offset + entry.length - 1);
  else rawForward(entry, symbols, dst, offset);
}

// One small function per direction (see quadsForward).
function rawForward(entry: Uint8Array, symbols: Uint8Array, dst: Uint8Array, d: number): void {
  const n = entry.length;
  for (let i = 0; i < n; i++, d++) dst[d] = symbols[entry[i]];
}

function rawReverse(entry: Uint8Array, symbols: Uint8Array, dst: Uint8Array, d: number): void {
  const n = entry.length;
  for (let i = 0; i < n; i++, d--) dst[d] = symbols[entry[i]];
}

/**
 * Where in-group id `inGroupId` of group `groupId` lives (docs/format.md 5.2): raw groups (< 16) keep
 * every id in the delta stream (id k -> part k / P, entry k % P); LZ groups keep id 0 as the
 * reference and id k >= 1 in part (k-1) / P, entry (k-1) % P.
 */
export function locateEntry(groupId: number, inGroupId: number, packCardinality: number): { part: number; entry: number } | 'reference' {
  if (groupId < NO_RAW_GROUPS) return { part: Math.floor(inGroupId / packCardinality), entry: inGroupId % packCardinality };
  if (inGroupId === 0) return 'reference';
  const k = inGroupId - 1;
  return { part: Math.floor(k / packCardinality), entry: k % packCardinality };
}

/** Groups 0..15 hold raw segments without a reference. */
export const NO_RAW_GROUPS = 16;

const B64_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_#';

/**
 * Base name of group g's streams (docs/format.md 2.1): "x" + base-64 digits, least significant first.
 * Only format 3.x is read or written (older archives are rejected at open), so the "seg-<g>"
 * names of format 1/2 never occur.
 */
export function groupStreamBase(groupId: number): string {
  let s = 'x';
  let g = groupId;
  do {
    s += B64_DIGITS[g & 63];
    g = Math.floor(g / 64);
  } while (g > 0);
  return s;
}

/** Names of a group's reference and delta streams. */
export function groupStreamNames(groupId: number): { ref: string; delta: string } {
  const base = groupStreamBase(groupId);
  return { ref: `${base}r`, delta: `${base}d` };
}
