// Minimal pure-TS reader of the AGC container (format.md 1.1-1.3) for tests: whole file in memory,
// footer parsed, parts returned raw (no zstd). Independent of the native binding on purpose.
import { readFileSync } from 'node:fs';

export interface RawPart {
  data: Uint8Array;
  metadata: number;
}

export class TestArchive {
  readonly bytes: Uint8Array;
  readonly streams: { name: string; parts: { offset: number; size: number }[] }[] = [];
  private readonly byName = new Map<string, number>();

  constructor(path: string) {
    this.bytes = new Uint8Array(readFileSync(path));
    const b = this.bytes;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const footerLen = Number(dv.getBigUint64(b.length - 8, true));
    let p = b.length - 8 - footerLen;
    const av = (): number => {
      const n = b[p++]!;
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + b[p++]!;
      return v;
    };
    const nStreams = av();
    for (let s = 0; s < nStreams; s++) {
      let e = p;
      while (b[e] !== 0) e++;
      const name = Buffer.from(b.subarray(p, e)).toString('latin1');
      p = e + 1;
      const nParts = av();
      av(); // raw_size
      const parts: { offset: number; size: number }[] = [];
      for (let i = 0; i < nParts; i++) parts.push({ offset: av(), size: av() });
      this.byName.set(name, this.streams.length);
      this.streams.push({ name, parts });
    }
  }

  streamId(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  numParts(name: string): number {
    const id = this.streamId(name);
    return id < 0 ? 0 : this.streams[id]!.parts.length;
  }

  part(name: string, index: number): RawPart {
    const id = this.streamId(name);
    if (id < 0) throw new Error(`no stream ${name}`);
    const pt = this.streams[id]!.parts[index];
    if (!pt) throw new Error(`no part ${index} in ${name}`);
    if (pt.size === 0) return { data: new Uint8Array(0), metadata: 0 };
    const b = this.bytes;
    let p = pt.offset;
    const n = b[p++]!;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[p++]!;
    return { data: b.subarray(p, p + pt.size), metadata: v };
  }

  /** params stream: k, L, P (pack cardinality), S. */
  params(): { k: number; L: number; P: number; S: number } {
    const d = this.part('params', 0).data;
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return { k: dv.getUint32(0, true), L: dv.getUint32(4, true), P: dv.getUint32(8, true), S: dv.getUint32(12, true) };
  }

  /** splitters stream as sorted bigints. */
  splitters(): BigUint64Array {
    const d = this.part('splitters', 0).data;
    const out = new BigUint64Array(d.length / 8);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = dv.getBigUint64(8 * i, true);
    return out;
  }
}

/** Group stream base name: "x" + base-64 digits of the id, least significant first (format.md 2.1). */
export function groupStreamName(id: number): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_#';
  let s = 'x';
  do {
    s += alphabet[id % 64];
    id = Math.floor(id / 64);
  } while (id > 0);
  return s;
}
