// The container layer in TypeScript (format.md section 1): the footer with the stream table, and
// the metadata varint in front of each part. Mirrors what the native CArchive reader accepts.
import { AgcCorruptError } from '../errors.js';

/** Stream table of an archive: names and the position of every part. */
export interface StreamTable {
  readonly names: readonly string[];
  /** offsets[s][p] = file offset of part p of stream s (its metadata varint). */
  readonly offsets: readonly Float64Array[];
  /** sizes[s][p] = length of the part's data (varint excluded). */
  readonly sizes: readonly Float64Array[];
  /** Name -> id; a later duplicate wins, as upstream. */
  readonly ids: ReadonlyMap<string, number>;
  /** Offset of the footer = end of the data area. */
  readonly footerStart: number;
}

/** footer_len from the 8-byte trailer (last 8 bytes of the file). */
export function footerLength(trailer: Uint8Array, fileSize: number, name: string): number {
  if (fileSize < 9 || trailer.length !== 8) throw new AgcCorruptError(`${name}: not an AGC archive (file of ${fileSize} bytes is too short)`);
  const dv = new DataView(trailer.buffer, trailer.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const len = hi * 4294967296 + lo;
  if (hi >= 0x200000 || len > fileSize - 8 || len < 1)
    throw new AgcCorruptError(`${name}: not an AGC archive (footer length ${len} does not fit a file of ${fileSize} bytes)`);
  return len;
}

/** Parse the footer bytes (trailer excluded) that start at `footerStart`. */
export function parseFooter(f: Uint8Array, footerStart: number, name: string): StreamTable {
  let p = 0;
  const fail = (what: string): never => {
    throw new AgcCorruptError(`${name}: corrupt archive footer (${what} at footer byte ${p})`);
  };
  const av = (): number => {
    if (p >= f.length) fail('truncated');
    const n = f[p++];
    if (n > 8 || p + n > f.length) fail('bad varint');
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + f[p++];
    if (!Number.isSafeInteger(v)) fail('value beyond 2^53');
    return v;
  };
  const dec = new TextDecoder();
  const nStreams = av();
  // Every stream takes at least 3 bytes (name terminator, part count, raw size).
  if (nStreams > f.length / 3) fail(`implausible stream count ${nStreams}`);
  const names: string[] = [];
  const offsets: Float64Array[] = [];
  const sizes: Float64Array[] = [];
  const ids = new Map<string, number>();
  for (let s = 0; s < nStreams; s++) {
    const z = f.indexOf(0, p);
    if (z < 0) fail('unterminated stream name');
    const nm = dec.decode(f.subarray(p, z));
    p = z + 1;
    const nParts = av();
    if (nParts > (f.length - p) / 2) fail(`implausible part count ${nParts}`);
    av(); // raw_size, unused
    const o = new Float64Array(nParts);
    const z2 = new Float64Array(nParts);
    for (let i = 0; i < nParts; i++) {
      o[i] = av();
      z2[i] = av();
      if (o[i] + z2[i] > footerStart) fail(`part ${i} of stream ${nm} lies outside the data area`);
    }
    names.push(nm);
    offsets.push(o);
    sizes.push(z2);
    ids.set(nm, s);
  }
  return { names, offsets, sizes, ids, footerStart };
}

/** Bytes [start, end) of the file that hold part `part` of stream `sid` (varint + data; at most 8 bytes of slack). */
export function partSpan(t: StreamTable, sid: number, part: number): { start: number; end: number } {
  const start = t.offsets[sid][part];
  const size = t.sizes[sid][part];
  if (size === 0) return { start, end: start };
  return { start, end: Math.min(t.footerStart, start + 9 + size) };
}

/** Split the bytes of a part (from partSpan) into metadata and data. */
export function decodePart(bytes: Uint8Array, size: number, where: string): { data: Uint8Array; metadata: number } {
  if (size === 0) return { data: new Uint8Array(0), metadata: 0 };
  const n = bytes.length > 0 ? bytes[0] : -1;
  if (n < 0 || n > 8 || 1 + n + size > bytes.length) throw new AgcCorruptError(`${where} lies outside the file`);
  let metadata = 0;
  for (let i = 1; i <= n; i++) metadata = metadata * 256 + bytes[i];
  if (!Number.isSafeInteger(metadata)) throw new AgcCorruptError(`${where}: metadata exceeds 2^53`);
  return { data: bytes.subarray(1 + n, 1 + n + size), metadata };
}
