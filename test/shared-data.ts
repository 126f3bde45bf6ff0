// Where the shared ground truth lives (../shared beside the checkout) and small readers for it:
// golden cases, their listings and extracts, and the source FASTA they were made from.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CppArchive } from '../lib/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const goldenDir = path.join(sharedDir, 'golden');
export const dataDir = path.join(sharedDir, 'data');
if (!fs.existsSync(path.join(goldenDir, 'MANIFEST.json'))) throw new Error(`tests need the shared data at ${sharedDir} (golden/MANIFEST.json missing)`);

export interface GoldenCase {
  id: string;
  dataset: string;
  steps: string[][];
  archive: string;
  sha256: string;
  bytes: number;
  samples: number;
}

export const cases: GoldenCase[] = JSON.parse(fs.readFileSync(path.join(goldenDir, 'MANIFEST.json'), 'utf8')).cases;
export const caseDir = (c: string | GoldenCase) => path.join(goldenDir, typeof c === 'string' ? c : c.id);
export const datasetDir = (dataset: string) => path.join(dataDir, dataset);

/** The `params` stream: k, min match length, pack cardinality (batch size), segment size. */
export function readParams(a: CppArchive) {
  const id = a.streamId('params');
  if (id === undefined) throw new Error(`${a.path}: no params stream`);
  const { data } = a.getPart(id, 0);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    kmerLength: v.getUint32(0, true),
    minMatchLen: v.getUint32(4, true),
    batchSize: v.getUint32(8, true),
    segmentSize: v.getUint32(12, true),
  };
}

export const archivePath = (c: GoldenCase) => path.join(goldenDir, c.archive);
export const readText = (c: GoldenCase, file: string) => fs.readFileSync(path.join(caseDir(c), file), 'utf8');
export const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest('hex');
export const goldenSha = (file: string) => fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0];

/** Samples of a case in listset (sorted) order. */
export function listsetOf(c: GoldenCase): string[] {
  return readText(c, 'listset.txt')
    .split('\n')
    .filter((s) => s.length > 0);
}

/** getctg queries of a case: argument lists and expected output files. */
export function getctgQueries(c: GoldenCase): { args: string[]; expected: string }[] {
  const dir = path.join(caseDir(c), 'getctg');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.args'))
    .sort()
    .map((f) => ({ args: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as string[], expected: path.join(dir, f.replace(/\.args$/, '.fa')) }));
}

/** A FASTA record as agc stores it: the header line and the sequence with bytes < 64 dropped, upper-cased. */
export interface SourceRecord {
  header: string;
  seq: string;
}

const parsedCache = new Map<string, SourceRecord[]>();

/** Parse a FASTA file the way agc's reader does (docs/format.md 5.1). */
export function readFasta(file: string): SourceRecord[] {
  const hit = parsedCache.get(file);
  if (hit) return hit;
  const text = fs.readFileSync(file, 'latin1');
  const out: SourceRecord[] = [];
  for (const chunk of text.split('>').slice(1)) {
    const nl = chunk.search(/[\r\n]/);
    const header = nl < 0 ? chunk : chunk.slice(0, nl);
    const body = nl < 0 ? '' : chunk.slice(nl);
    // drop bytes < 64, upper-case letters; other letters would print as ' ' (none in the data)
    let seq = '';
    for (const part of body.split(/[\x00-\x3f]+/)) seq += part;
    out.push({ header, seq: seq.toUpperCase().replace(/[^ACGTNRYSWKMBDHVU]/g, ' ') });
  }
  parsedCache.set(file, out);
  return out;
}

/** Input FASTA files of a case (paths relative to data/<dataset>), in step order. */
export function inputFiles(c: GoldenCase): string[] {
  const files: string[] = [];
  for (const step of c.steps) {
    let i = 1;
    while (i < step.length) {
      const a = step[i];
      if (['-t', '-o', '-k', '-s', '-l', '-b', '-f', '-v', '-i'].includes(a)) i += 2;
      else if (a.startsWith('-') || a === '{prev}') i++;
      else {
        files.push(a);
        i++;
      }
    }
  }
  return files;
}

/**
 * Source sequences by sample and full contig name: samples are file stems, except in
 * concatenated (-c) cases, where each contig is a sample named by its short name.
 */
export function sourceSequences(c: GoldenCase): Map<string, Map<string, string>> {
  const concatenated = c.steps.some((s) => s.includes('-c'));
  const dir = path.join(dataDir, c.dataset);
  const bySample = new Map<string, Map<string, string>>();
  for (const rel of inputFiles(c)) {
    const abs = path.resolve(dir, rel);
    const file = abs.endsWith('.gz') ? path.join(dir, path.basename(abs, '.gz')) : abs; // gz copies are identical
    for (const r of readFasta(file)) {
      const sample = concatenated ? r.header.split(/[ \t]/)[0] : path.basename(file).replace(/(\.fa|\.fasta|\.fna|\.gz)+$/, '');
      let m = bySample.get(sample);
      if (!m) bySample.set(sample, (m = new Map()));
      if (!m.has(r.header)) m.set(r.header, r.seq);
    }
  }
  return bySample;
}

export { rng } from './helpers/random.js';

/** The klebsiella cases are the slow ones; AGC_QUICK=1 skips them. */
export const quick = process.env.AGC_QUICK === '1';
