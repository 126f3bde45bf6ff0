// Builds small AGC archives by hand (container + collection through the native wrappers, sequence
// data encoded here) to test situations the golden archives lack: one contig name in several
// samples, every reference storage form, multi-part packs, tiny k, empty contigs.
import { CppArchive, CppCollection, PlacementBuffer } from '../lib/index.js';
import { zstdCompress } from '../lib/native/zstd.js';
import { groupStreamNames } from '../lib/format/segment-decode.js';
import { bytes2tuples } from '../lib/format/segment-codec.js';

const LETTERS = 'ACGTNRYSWKMBDHVU';
const code = (ch: string) => LETTERS.indexOf(ch);
const rcStr = (s: string) =>
  [...s]
    .reverse()
    .map((c) => ({ A: 'T', C: 'G', G: 'C', T: 'A' })[c] ?? c)
    .join('');

export interface HandContig {
  name: string;
  /** Full contig sequence (letters of the 16-letter alphabet). */
  seq: string;
  /** Segment cut points: segment j covers [cuts[j] - (j ? k : 0), cuts[j+1]) with cuts[0] = 0. */
  cuts: number[];
  /** Group of each segment (0..15 raw, >= 16 LZ) and whether it is stored reverse-complemented. */
  groups: number[];
  rc: boolean[];
}

export interface HandSample {
  name: string;
  contigs: HandContig[];
}

/** Greedy LZ-diff encoder against `ref` (docs/format.md 5.5 grammar, not upstream's exact choices). */
function lzEncode(ref: string, text: string, mml: number): number[] {
  const out: number[] = [];
  const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
  let i = 0;
  let pred = 0;
  while (i < text.length) {
    let nrun = 0;
    while (i + nrun < text.length && text[i + nrun] === 'N') nrun++;
    if (nrun >= 4) {
      out.push(0x1e, ...ascii(String(nrun - 4)), 0x04);
      i += nrun;
      continue;
    }
    // longest match anywhere in ref (first wins)
    let best = 0;
    let bestPos = 0;
    for (let r = 0; r < ref.length; r++) {
      let l = 0;
      while (i + l < text.length && r + l < ref.length && text[i + l] === ref[r + l]) l++;
      if (l > best) {
        best = l;
        bestPos = r;
      }
    }
    if (best >= mml) {
      const toEnd = i + best === text.length && bestPos + best === ref.length;
      out.push(...ascii(String(bestPos - pred)));
      if (!toEnd) out.push(0x2c, ...ascii(String(best - mml)));
      out.push(0x2e);
      pred = bestPos + best;
      i += best;
    } else if (pred < ref.length && text[i] === ref[pred]) {
      out.push(0x21); // '!'
      pred++;
      i++;
    } else {
      out.push(0x41 + code(text[i]));
      pred++;
      i++;
    }
  }
  return out;
}

/** Write an archive with the given samples; returns nothing, the file is complete on return. */
export function writeHandmadeArchive(file: string, samples: HandSample[], p: { k: number; mml: number; P: number }): void {
  const ar = CppArchive.create(file);
  const coll = CppCollection.forCompression(ar, { batchSize: p.P, segmentSize: 100, kmerLength: p.k });
  for (let g = 0; g < 16; g++) ar.registerStream(groupStreamNames(g).delta);

  const refs = new Map<number, string>(); // LZ group -> stored reference
  const entries = new Map<number, number[][]>(); // group -> pack entries in in-group order
  for (let g = 0; g < 16; g++) entries.set(g, [[0x7f]]); // raw placeholder, as upstream
  const buf = new PlacementBuffer();

  for (const s of samples) {
    coll.resetPrevSampleName();
    for (const c of s.contigs) {
      if (!coll.registerSampleContig(s.name, c.name)) throw new Error(`rejected ${s.name}/${c.name}`);
      for (let j = 0; j + 1 < c.cuts.length; j++) {
        const piece = c.seq.slice(c.cuts[j] - (j ? p.k : 0), c.cuts[j + 1]);
        const stored = c.rc[j] ? rcStr(piece) : piece;
        const g = c.groups[j];
        let igi: number;
        if (g < 16) {
          const e = entries.get(g)!;
          igi = e.length;
          e.push([...stored].map(code));
        } else if (!refs.has(g)) {
          refs.set(g, stored);
          entries.set(g, []);
          igi = 0;
        } else {
          const e = entries.get(g)!;
          e.push(lzEncode(refs.get(g)!, stored, p.mml));
          igi = e.length;
        }
        buf.add(s.name, c.name, j, g, igi, piece.length, c.rc[j]);
      }
    }
    buf.flushTo(coll);
  }
  for (let b = 0; b * p.P < samples.length; b++) coll.storeContigBatch(b * p.P, Math.min(samples.length, (b + 1) * p.P));
  coll.completeSerialization();

  // reference parts: group 16 raw codes, 17 plain zstd, others tuple-packed zstd
  for (const [g, ref] of [...refs].sort((a, b) => a[0] - b[0])) {
    const names = groupStreamNames(g);
    const rid = ar.registerStream(names.ref);
    ar.registerStream(names.delta);
    const d = [...ref].map(code);
    if (g === 16) ar.addPart(rid, Uint8Array.from(d), 0);
    else if (g === 17) ar.addPart(rid, Uint8Array.from([...zstdCompress(Uint8Array.from(d), 19), 0]), d.length);
    else ar.addPart(rid, Uint8Array.from([...zstdCompress(bytes2tuples(Uint8Array.from(d)), 13), 1]), d.length);
  }
  // packs of P entries: part 0 stored as is, later parts zstd-compressed
  for (const [g, list] of entries) {
    const sid = ar.registerStream(groupStreamNames(g).delta);
    for (let part = 0; part * p.P < list.length; part++) {
      const pack = Uint8Array.from(list.slice(part * p.P, (part + 1) * p.P).flatMap((e) => [...e, 0xff]));
      if (part === 0) ar.addPart(sid, pack, 0);
      else ar.addPart(sid, Uint8Array.from([...zstdCompress(pack, 17), 0]), pack.length);
    }
  }
  const params = new Uint8Array(16);
  const dv = new DataView(params.buffer);
  [p.k, p.mml, p.P, 100].forEach((v, i) => dv.setUint32(4 * i, v, true));
  ar.addPart(ar.registerStream('params'), params, 0);
  const fti: [string, string][] = [
    // (written as latin1 below: the bytes of 'café' in UTF-8, then a byte that is not UTF-8)
    ['comment', 'handmade test archive caf\u00c3\u00a9 \u00ff'],
    ['file_version_major', '3'],
    ['file_version_minor', '0'],
    ['producer', 'agc-node tests'],
  ];
  ar.addPart(ar.registerStream('file_type_info'), Buffer.from(fti.map(([k, v]) => `${k}\0${v}\0`).join(''), 'latin1'), fti.length);
  coll.close();
  ar.close();
}

/** Deterministic pseudo-random DNA with some IUPAC symbols and N runs. */
export function randomSeq(n: number, seed: number): string {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  let out = '';
  while (out.length < n) {
    const r = next();
    if (r < 0.01) out += 'NNNNNN'.slice(0, 4 + Math.floor(next() * 3));
    else if (r < 0.02) out += 'RYKMSW'[Math.floor(next() * 6)];
    else out += 'ACGT'[Math.floor(next() * 4)];
  }
  return out.slice(0, n);
}

export { rcStr };
