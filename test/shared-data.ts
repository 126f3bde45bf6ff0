// Where the shared ground truth lives (../shared beside the checkout) and small readers for it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CppArchive } from '../lib/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const goldenDir = path.join(sharedDir, 'golden');
if (!fs.existsSync(path.join(goldenDir, 'MANIFEST.json')))
  throw new Error(`tests need the shared data at ${sharedDir} (golden/MANIFEST.json missing)`);

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
export const caseDir = (id: string) => path.join(goldenDir, id);
export const datasetDir = (dataset: string) => path.join(sharedDir, 'data', dataset);

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
