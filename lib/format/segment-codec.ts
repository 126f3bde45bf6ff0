// Storage envelopes of segment data (docs/format.md 5.3, 5.4, 7.6): how a group
// reference and a pack of deltas/raw segments become part data + metadata. Pure: zstd is injected.

/** One zstd frame of `data` at `level` (ZSTD_compressCCtx, default parameters; zstd 1.5.6 for byte identity). */
export type ZstdCompress = (data: Uint8Array, level: number) => Uint8Array;

/** Part data and metadata as written to the archive. */
export interface EncodedPart {
  data: Uint8Array;
  metadata: number;
}

/** Separator after every pack entry. */
export const PACK_TERMINATOR = 0xff;
/** zstd levels used for segment data. */
export const LEVEL_REFERENCE_PLAIN = 19;
export const LEVEL_REFERENCE_TUPLES = 13;
export const LEVEL_PACK = 17;
/** Marker bytes appended after a zstd frame. */
export const MARKER_PLAIN = 0;
export const MARKER_TUPLES = 1;

/**
 * The statistic behind the packing choice: the largest fraction of equal symbols at lags 4..31
 * (see {@link chooseReferenceMethod}). The writer injects a native one (same value).
 */
export type LagFraction = (ref: Uint8Array) => number;

/** Scratch for the four byte-shifted copies of a reference (grown on demand, reused across calls). */
let shiftScratch = new Uint8Array(0);

/**
 * For lags 4..31 the fraction of positions equal to the symbol `lag` further on, relative to the
 * ACGT positions (IEEE doubles, as upstream); the largest, stopping at the first that reaches 0.5.
 * The portable version (tests and any caller without the addon; the writer uses the native one).
 *
 * The 28 passes over the reference dominate reference storing, so equal bytes are counted four at a
 * time: copy r holds ref shifted left by r bytes, so word i + (lag >> 2) of copy (lag & 3) lines up
 * with word i of copy 0, and a SWAR zero-byte count of their XOR gives the matches.
 */
export function bestLagMatchFraction(ref: Uint8Array): number {
  const n = ref.length;
  let acgtAll = 0;
  for (let j = 0; j < n; j++) acgtAll += (ref[j]! - 4) >>> 31;
  const stride = ((n + 3) & ~3) + 4;
  if (shiftScratch.length < 4 * stride) shiftScratch = new Uint8Array(4 * stride);
  const bytes = shiftScratch;
  for (let r = 0; r < 4; r++) {
    const base = r * stride;
    bytes.set(ref.subarray(r), base);
    bytes.fill(0, base + n - r, base + stride);
  }
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, stride); // one stride per copy: stride/4 words
  const wstride = stride >>> 2;
  let best = 0.0;
  for (let lag = 4; lag < 32; lag++) {
    const lim = n - lag; // j ranges over [0, lim)
    let eq = 0;
    let acgt = 0;
    if (lim > 0) {
      const full = lim >>> 2;
      const other = (lag & 3) * wstride + (lag >>> 2);
      let nonzero = 0;
      for (let i = 0; i < full; i++) {
        const x = words[i]! ^ words[other + i]!;
        const t = (((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
        nonzero += Math.imul(t >>> 7, 0x01010101) >>> 24;
      }
      eq = 4 * full - nonzero;
      for (let j = full << 2; j < lim; j++) eq += ((ref[j]! ^ ref[j + lag]!) - 1) >>> 31;
      acgt = acgtAll;
      for (let j = lim; j < n; j++) acgt -= (ref[j]! - 4) >>> 31;
    }
    const frac = acgt ? eq / acgt : 0.0;
    if (frac > best) {
      best = frac;
      if (best >= 0.5) break;
    }
  }
  return best;
}

/** Packing choice of CSegment::store_in_archive: 'plain' when some lag reaches 0.5, else 'tuples'. */
export function chooseReferenceMethod(ref: Uint8Array, lagFraction: LagFraction = bestLagMatchFraction): 'plain' | 'tuples' {
  return lagFraction(ref) < 0.5 ? 'tuples' : 'plain';
}

/**
 * bytes2tuples: pack codes several per byte by the largest code (4/byte base 4, 3/byte base 6,
 * 2/byte base 16; first symbol most significant), always one extra byte for the n mod g leftover
 * symbols, then the marker (g << 4) | (n mod g). Codes >= 16: the bytes plus marker 0x10.
 */
export function bytes2tuples(ref: Uint8Array): Uint8Array {
  const n = ref.length;
  let mx = 0;
  for (let j = 0; j < n; j++) if (ref[j]! > mx) mx = ref[j]!;
  let g: number;
  let base: number;
  if (mx < 4) {
    g = 4;
    base = 4;
  } else if (mx < 6) {
    g = 3;
    base = 6;
  } else if (mx < 16) {
    g = 2;
    base = 16;
  } else {
    const out = new Uint8Array(n + 1);
    out.set(ref);
    out[n] = 0x10;
    return out;
  }
  // Exact integer division, and the last (partial, maybe empty) tuple made by the same loop: a
  // fractional quotient, or a tail loop first reached after optimisation, made V8 deoptimise and
  // recompile this function dozens of times per run.
  const rest = n % g;
  const full = (n - rest) / g;
  const out = new Uint8Array(full + 2);
  let i = 0;
  for (let t = 0; t <= full; t++) {
    const m = t < full ? g : rest;
    let c = 0;
    for (let j = 0; j < m; j++) c = c * base + ref[i++]!;
    out[t] = c;
  }
  out[full + 1] = (g << 4) | rest;
  return out;
}

/** Inverse of {@link bytes2tuples} (for tests and readers). */
export function tuples2bytes(t: Uint8Array): Uint8Array {
  const marker = t[t.length - 1]!;
  const g = marker >> 4;
  const rest = marker & 15;
  if (g === 1) return t.slice(0, t.length - 1);
  const base = g === 4 ? 4 : g === 3 ? 6 : 16;
  const n = (t.length - 2) * g + rest;
  const out = new Uint8Array(n);
  let j = 0;
  for (let i = 0; j + g <= n; i++, j += g) {
    let c = t[i]!;
    for (let q = g - 1; q >= 0; q--) {
      out[j + q] = c % base;
      c = Math.floor(c / base);
    }
  }
  let c = t[t.length - 2]!;
  for (let q = rest - 1; q >= 0; q--) {
    out[j + q] = c % base;
    c = Math.floor(c / base);
  }
  return out;
}

/** zstd envelope: frame + marker with metadata n when len(frame) + 1 < n, else `raw` with metadata 0. */
function envelope(payload: Uint8Array, raw: Uint8Array, n: number, level: number, marker: number, zstd: ZstdCompress): EncodedPart {
  const z = zstd(payload, level);
  if (z.length + 1 < n) {
    const data = new Uint8Array(z.length + 1);
    data.set(z);
    data[z.length] = marker;
    return { data, metadata: n };
  }
  return { data: raw, metadata: 0 };
}

/**
 * The reference part of an LZ group (5.2): plain codes zstd-19 + marker 0, or tuples zstd-13 +
 * marker 1; when the frame is not smaller than n - 1 bytes, the raw codes (untupled) with metadata 0.
 * The returned data may share memory with `ref` in the raw case.
 */
export function encodeReferencePart(ref: Uint8Array, zstdCompress: ZstdCompress, lagFraction: LagFraction = bestLagMatchFraction): EncodedPart {
  const n = ref.length;
  if (lagFraction(ref) < 0.5) {
    return envelope(bytes2tuples(ref), ref, n, LEVEL_REFERENCE_TUPLES, MARKER_TUPLES, zstdCompress);
  }
  return envelope(ref, ref, n, LEVEL_REFERENCE_PLAIN, MARKER_PLAIN, zstdCompress);
}

/** Pack bytes (5.1): each entry followed by 0xFF. */
export function buildPack(entries: readonly Uint8Array[]): Uint8Array {
  let total = entries.length;
  for (const e of entries) total += e.length;
  const pack = new Uint8Array(total);
  let p = 0;
  for (const e of entries) {
    pack.set(e, p);
    p += e.length;
    pack[p++] = PACK_TERMINATOR;
  }
  return pack;
}

/** Split pack bytes on 0xFF into its entries (views into `pack`). */
export function splitPack(pack: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = 0;
  for (let i = 0; i < pack.length; i++) {
    if (pack[i] === PACK_TERMINATOR) {
      out.push(pack.subarray(s, i));
      s = i + 1;
    }
  }
  return out;
}

/**
 * A delta or raw pack part (5.1, 5.4): the entries joined with 0xFF terminators, zstd-17 + marker 0
 * with metadata = pack length, or the raw pack with metadata 0 when compression does not pay.
 */
export function encodePackPart(entries: readonly Uint8Array[], zstdCompress: ZstdCompress): EncodedPart {
  const pack = buildPack(entries);
  return envelope(pack, pack, pack.length, LEVEL_PACK, MARKER_PLAIN, zstdCompress);
}
