// Decoded LZ groups of golden archives, to check that the encoder side (lz-diff.ts,
// segment-codec.ts) reproduces the stored bytes. Decoding uses the reader's modules, which the
// read-side tests validate against upstream's getcol output.
import { lzDiffDecode } from '../../lib/format/lz-diff-decode.js';
import { decodeReferencePart as decodeRef, unpackPart } from '../../lib/format/segment-decode.js';
import { CODE_IDENTITY } from '../../lib/format/letters.js';
import { TestArchive, groupStreamName } from './agc-container.js';

export type ZstdDecompress = (data: Uint8Array, rawSize: number) => Uint8Array;

/** Decode an LZ-diff V2 entry against `ref` (codes in, codes out). */
export const lzDecode = (ref: Uint8Array, enc: Uint8Array, mml: number): Uint8Array => lzDiffDecode(ref, enc, mml, CODE_IDENTITY);

/** Decode a reference part into codes. */
export const decodeReferencePart = (data: Uint8Array, metadata: number, unzstd: ZstdDecompress): Uint8Array => decodeRef(data, metadata, unzstd, CODE_IDENTITY);

/** Decode a pack part into its entries. */
export function decodePackPart(data: Uint8Array, metadata: number, unzstd: ZstdDecompress): Uint8Array[] {
  const pack = unpackPart(data, metadata, unzstd);
  return Array.from({ length: pack.length }, (_, i) => pack.entry(i));
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
