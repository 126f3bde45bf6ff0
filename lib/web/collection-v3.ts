// Decoding of the version-3 collection (format.md 4.3-4.7) in TypeScript: the sample list, and
// per batch of samples the contig names and the segment placements. Follows the native
// reader (vendor/agc/src/collection_v3.cpp) rule for rule, including its guards against corrupt
// counts, so both readers accept and reject the same archives.
import { AgcCorruptError } from '../errors.js';
import type { Decompress } from '../format/segment-decode.js';

const T1 = 128;
const T2 = T1 + (1 << 14);
const T3 = T2 + (1 << 21);
const T4 = T3 + (1 << 28);
const SAME_COMPONENT = 0x81;
const SMALLEST_RUN_MARKER = 0x9c;
const MAX_ZSTD_RATIO = 1 << 15;

/** Segment placements of one contig. */
export interface ContigDetails {
  name: string;
  groupId: Uint32Array;
  inGroupId: Uint32Array;
  rawLength: Uint32Array;
  revComp: Uint8Array;
}

/** Reader of CV varints and C strings with the native reader's error messages. */
class Payload {
  p = 0;
  constructor(
    readonly b: Uint8Array,
    readonly context: string,
  ) {}

  fail(what: string): never {
    throw new AgcCorruptError(`${this.context} (${what})`);
  }

  get remaining(): number {
    return this.b.length - this.p;
  }

  cv(): number {
    const b = this.b;
    if (this.p >= b.length) this.fail('varint runs past end');
    const x = b[this.p];
    let len: number;
    let base: number;
    if (x < 0x80) {
      len = 1;
      base = 0;
    } else if (x < 0xc0) {
      len = 2;
      base = T1;
    } else if (x < 0xe0) {
      len = 3;
      base = T2;
    } else if (x < 0xf0) {
      len = 4;
      base = T3;
    } else {
      len = 5;
      base = T4;
    }
    if (this.remaining < len) this.fail('varint runs past end');
    const p = this.p;
    let m: number;
    if (len === 5) m = b[p + 1] * 16777216 + ((b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4]);
    else {
      m = x & [0, 0x7f, 0x3f, 0x1f, 0x0f][len];
      for (let i = 1; i < len; i++) m = m * 256 + b[p + i];
    }
    this.p += len;
    return (m + base) >>> 0; // u32 wrap-around, as upstream
  }

  count(minBytesPerItem: number, what: string): number {
    const n = this.cv();
    if (minBytesPerItem > 0 && n > Math.floor(this.remaining / minBytesPerItem)) this.fail(`implausible ${what} ${n}`);
    return n;
  }

  cstrBytes(): Uint8Array {
    const z = this.b.indexOf(0, this.p);
    if (z < 0) this.fail('unterminated string');
    const s = this.b.subarray(this.p, z);
    this.p = z + 1;
    return s;
  }

  take(n: number): Uint8Array {
    if (this.remaining < n) this.fail('data runs past end');
    const s = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return s;
  }
}

const utf8 = new TextDecoder();

/** Decompress a collection payload with the native reader's plausibility check. */
export function inflate(data: Uint8Array, raw: number, decompress: Decompress, context: string): Uint8Array {
  if (raw > (data.length + 16) * MAX_ZSTD_RATIO) throw new AgcCorruptError(`${context} (implausible uncompressed size ${raw})`);
  let out: Uint8Array;
  try {
    out = decompress(data, raw);
  } catch (e) {
    throw new AgcCorruptError(`${context} (${(e as Error).message})`);
  }
  if (out.length !== raw) throw new AgcCorruptError(`${context} (decompressed to ${out.length} bytes, expected ${raw})`);
  return out;
}

/** Sample names of a collection-samples payload (uncompressed). */
export function decodeSampleNames(raw: Uint8Array, context: string): string[] {
  const r = new Payload(raw, context);
  const n = r.count(1, 'sample count');
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(utf8.decode(r.cstrBytes()));
  return names;
}

function splitName(b: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const sp = b.indexOf(0x20, start);
    if (sp < 0) {
      parts.push(b.subarray(start));
      return parts;
    }
    parts.push(b.subarray(start, sp));
    start = sp + 1;
  }
}

/** Rebuild the components of an encoded name against the previous name's (format.md 4.6). */
function decodeSplit(prev: Uint8Array[], cur: Uint8Array[]): Uint8Array {
  let total = cur.length - 1;
  for (let i = 0; i < cur.length; i++) {
    const ref = prev[i];
    const c = cur[i];
    if (c.length === 1 && c[0] === SAME_COMPONENT) cur[i] = ref;
    else {
      const rebuilt: number[] = [];
      let cursor = 0;
      for (let j = 0; j < c.length; j++) {
        const b = c[j];
        const run = 256 - b;
        if (b >= SMALLEST_RUN_MARKER && cursor <= ref.length && run <= ref.length - cursor) {
          for (let q = 0; q < run; q++) rebuilt.push(ref[cursor + q]);
          cursor += run;
        } else {
          rebuilt.push(b);
          cursor++;
        }
      }
      cur[i] = Uint8Array.from(rebuilt);
    }
    total += cur[i].length;
  }
  const name = new Uint8Array(total);
  let p = 0;
  for (let i = 0; i < cur.length; i++) {
    if (i) name[p++] = 0x20;
    name.set(cur[i], p);
    p += cur[i].length;
  }
  return name;
}

/** Contig names of each sample of a collection-contigs payload (uncompressed). */
export function decodeContigNames(raw: Uint8Array, context: string): string[][] {
  const r = new Payload(raw, context);
  const nSamples = r.count(1, 'sample count');
  const batch: string[][] = [];
  for (let s = 0; s < nSamples; s++) {
    const n = r.count(1, 'contig count');
    const names: string[] = [];
    let prev: Uint8Array[] = [];
    for (let c = 0; c < n; c++) {
      const enc = r.cstrBytes();
      const cur = splitName(enc);
      names.push(utf8.decode(cur.length !== prev.length ? enc : decodeSplit(prev, cur)));
      prev = cur;
    }
    batch.push(names);
  }
  return batch;
}

function zpInv(v: number, p: number): number {
  if (v >= 2 * p) return v;
  if (v & 1) return Math.floor((2 * p - v) / 2);
  return (v + 2 * p) / 2;
}

/** Segment placements of each contig of each sample of a collection-details part. */
export function decodeContigDetails(
  part: Uint8Array,
  names: string[][],
  segmentSize: number,
  kmerLength: number,
  decompress: Decompress,
  context: string,
): ContigDetails[][] {
  const hdr = new Payload(part, context);
  const rawLen: number[] = [];
  const packedLen: number[] = [];
  for (let i = 0; i < 5; i++) {
    rawLen.push(hdr.cv());
    packedLen.push(hdr.cv());
  }
  const st: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) st.push(inflate(hdr.take(packedLen[i]), rawLen[i], decompress, `${context} stream ${i}`));

  const s0 = new Payload(st[0], context);
  const nSamples = s0.count(1, 'sample count');
  if (nSamples !== names.length) s0.fail(`details describe ${nSamples} samples, contig names ${names.length}`);
  const maxSegments = Math.min(st[1].length, st[2].length, st[3].length, st[4].length);
  let total = 0;
  const counts: number[][] = [];
  for (let i = 0; i < names.length; i++) {
    const nContigs = s0.count(1, 'contig count');
    if (nContigs !== names[i].length) s0.fail(`details give sample ${i} ${nContigs} contigs, contig names ${names[i].length}`);
    const c: number[] = [];
    for (let j = 0; j < nContigs; j++) {
      const n = s0.cv();
      if (n > maxSegments - total) s0.fail('more segments than the streams hold');
      total += n;
      c.push(n);
    }
    counts.push(c);
  }

  const groups = new Payload(st[1], `${context} stream 1`);
  const ids = new Payload(st[2], `${context} stream 2`);
  const lens = new Payload(st[3], `${context} stream 3`);
  const rcs = new Payload(st[4], `${context} stream 4`);
  // One allocation per field for the whole batch; contigs get views.
  const groupId = new Uint32Array(total);
  const inGroupId = new Uint32Array(total);
  const rawLength = new Uint32Array(total);
  const revComp = new Uint8Array(total);
  const last = new Map<number, number>(); // last in-group id per group in this batch (format.md 4.7)
  const pred = (segmentSize + kmerLength) >>> 0;
  for (let i = 0; i < total; i++) {
    const g = groups.cv();
    const e = ids.cv();
    // Group ids >= 2^31 always read as "unset", as in the native reader.
    const prev = g > 0x7fffffff ? -1 : (last.get(g) ?? -1);
    let id: number;
    if (prev === -1) id = e;
    else if (e === 0) id = 0;
    else if (e === 1) id = (prev + 1) >>> 0;
    else id = zpInv(e - 1, prev + 1) >>> 0;
    if ((id | 0) > prev && id > 0 && g <= 0x7fffffff) last.set(g, id | 0);
    groupId[i] = g;
    inGroupId[i] = id;
    rawLength[i] = zpInv(lens.cv(), pred) >>> 0;
    revComp[i] = rcs.cv() !== 0 ? 1 : 0;
  }
  const out: ContigDetails[][] = [];
  let seg = 0;
  for (let s = 0; s < names.length; s++) {
    const contigs: ContigDetails[] = [];
    for (let c = 0; c < names[s].length; c++) {
      const end = seg + counts[s][c];
      contigs.push({
        name: names[s][c],
        groupId: groupId.subarray(seg, end),
        inGroupId: inGroupId.subarray(seg, end),
        rawLength: rawLength.subarray(seg, end),
        revComp: revComp.subarray(seg, end),
      });
      seg = end;
    }
    out.push(contigs);
  }
  return out;
}
