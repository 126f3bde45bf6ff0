// Test-only decoding of group data from golden archives (format.md 5.3-5.5), used to check that the
// encoder side (lz-diff.ts, segment-codec.ts) reproduces the stored bytes. The production decoder is
// lib/lz-diff-decode.ts (another module); this one is deliberately independent and minimal.
import { tuples2bytes, splitPack } from '../../lib/segment-codec.js';
import { TestArchive, groupStreamName } from './agc-container.js';

export type ZstdDecompress = (data: Uint8Array, rawSize: number) => Uint8Array;

/** Decode an LZ-diff V2 entry against `ref` (format.md 5.5). */
export function lzDecode(ref: Uint8Array, enc: Uint8Array, mml: number): Uint8Array {
  const out: number[] = [];
  let pred = 0;
  let p = 0;
  const readInt = (): number => {
    let neg = false;
    if (enc[p] === 0x2d) {
      neg = true;
      p++;
    }
    let v = 0;
    while (p < enc.length && enc[p]! >= 0x30 && enc[p]! <= 0x39) v = v * 10 + (enc[p++]! - 0x30);
    return neg ? -v : v;
  };
  while (p < enc.length) {
    const b = enc[p]!;
    if (b >= 0x41 && b <= 0x55) {
      out.push(b - 0x41);
      pred++;
      p++;
    } else if (b === 0x21) {
      out.push(ref[pred]!);
      pred++;
      p++;
    } else if (b === 0x1e) {
      p++;
      const len = readInt() + 4;
      p++; // 0x04
      for (let i = 0; i < len; i++) out.push(4);
    } else {
      const rp = pred + readInt();
      let len: number;
      if (enc[p] === 0x2c) {
        p++;
        len = readInt() + mml;
      } else len = ref.length - rp;
      p++; // '.'
      for (let i = 0; i < len; i++) out.push(ref[rp + i]!);
      pred = rp + len;
    }
  }
  return Uint8Array.from(out);
}

/** Decode a reference part (format.md 5.3). */
export function decodeReferencePart(data: Uint8Array, metadata: number, unzstd: ZstdDecompress): Uint8Array {
  if (metadata === 0) return data.slice();
  const marker = data[data.length - 1];
  const body = data.subarray(0, data.length - 1);
  if (marker === 0) return unzstd(body, metadata);
  return tuples2bytes(unzstd(body, zstdContentSize(body)));
}

/** Frame content size from a zstd frame header (RFC 8878 3.1.1.1). */
export function zstdContentSize(f: Uint8Array): number {
  if (f[0] !== 0x28 || f[1] !== 0xb5 || f[2] !== 0x2f || f[3] !== 0xfd) throw new Error('not a zstd frame');
  const fhd = f[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const dictSize = [0, 1, 2, 4][fhd & 3]!;
  let p = 5 + (single ? 0 : 1) + dictSize;
  const fcsSize = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
  if (fcsSize === 0) throw new Error('zstd frame without content size');
  let v = 0;
  for (let i = fcsSize - 1; i >= 0; i--) v = v * 256 + f[p + i]!;
  return fcsSize === 2 ? v + 256 : v;
}

/** Decode a pack part into its entries (format.md 5.4). */
export function decodePackPart(data: Uint8Array, metadata: number, unzstd: ZstdDecompress): Uint8Array[] {
  const pack = metadata === 0 ? data : unzstd(data.subarray(0, data.length - 1), metadata);
  return splitPack(pack);
}

export interface GoldenGroup {
  id: number;
  refPart: { data: Uint8Array; metadata: number };
  reference: Uint8Array;
  packs: { part: { data: Uint8Array; metadata: number }; entries: Uint8Array[] }[];
}

/** Every LZ group (id >= 16) of an archive with its decoded reference and packs. */
export function* goldenGroups(a: TestArchive, unzstd: ZstdDecompress, maxGroups = Infinity): Generator<GoldenGroup> {
  let n = 0;
  for (let id = 16; n < maxGroups; id++, n++) {
    const base = groupStreamName(id);
    if (a.streamId(base + 'r') < 0) return;
    const refPart = a.part(base + 'r', 0);
    const reference = decodeReferencePart(refPart.data, refPart.metadata, unzstd);
    const packs = [];
    for (let j = 0; j < a.numParts(base + 'd'); j++) {
      const part = a.part(base + 'd', j);
      packs.push({ part, entries: decodePackPart(part.data, part.metadata, unzstd) });
    }
    yield { id, refPart, reference, packs };
  }
}
