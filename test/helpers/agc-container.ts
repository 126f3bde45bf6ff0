// Name-based access to a golden archive for the encoder tests, over the native CppArchive.
import { CppArchive } from '../../lib/index.js';
import { groupStreamBase } from '../../lib/format/segment-decode.js';

export interface RawPart {
  data: Uint8Array;
  metadata: number;
}

export class TestArchive {
  private readonly a: CppArchive;

  constructor(path: string) {
    this.a = CppArchive.open(path);
  }

  streamId(name: string): number {
    return this.a.streamId(name) ?? -1;
  }

  numParts(name: string): number {
    const id = this.a.streamId(name);
    return id === undefined ? 0 : this.a.numParts(id);
  }

  part(name: string, index: number): RawPart {
    const id = this.a.streamId(name);
    if (id === undefined) throw new Error(`no stream ${name}`);
    return this.a.getPart(id, index);
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

/** Group stream base name of a format-3 archive ("x" + base-64 digits, least significant first). */
export const groupStreamName = (id: number): string => groupStreamBase(id);
