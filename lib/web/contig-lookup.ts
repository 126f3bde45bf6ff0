// Contig lookup by name within one sample: the first contig whose full name matches, else the
// first whose short name (first word) matches. The maps are built once per decoded sample layout
// (held weakly), so listing every contig's length costs O(contigs) instead of O(contigs^2).
// Across samples: the short-name index and the rules of a name given without its sample, shared
// by the file reader (AgcArchive, synchronous) and the remote reader (asynchronous).
import type { SampleLayout } from './reader-api.js';
import type { ContigLayout } from '../format/contig-layout.js';
import { AgcAmbiguousNameError, AgcInputError } from '../errors.js';
import { shortName } from './names.js';

interface Index {
  full: Map<string, number>;
  short: Map<string, number>;
}

const indexes = new WeakMap<SampleLayout, Index>();

function build(layout: SampleLayout): Index {
  const full = new Map<string, number>();
  const short = new Map<string, number>();
  const cs = layout.contigs;
  for (let i = 0; i < cs.length; i++) {
    const n = cs[i].name;
    if (!full.has(n)) full.set(n, i);
    const s = shortName(n);
    if (!short.has(s)) short.set(s, i);
  }
  const idx = { full, short };
  indexes.set(layout, idx);
  return idx;
}

/** Index of the contig called `name` (full, else short name) in a sample, or -1. */
export function findContigIndex(layout: SampleLayout, name: string): number {
  // Small samples: a scan is cheaper than building maps that may be used once.
  const cs = layout.contigs;
  if (cs.length <= 8) {
    for (let i = 0; i < cs.length; i++) if (cs[i].name === name) return i;
    const s = shortName(name);
    for (let i = 0; i < cs.length; i++) if (shortName(cs[i].name) === s) return i;
    return -1;
  }
  const idx = indexes.get(layout) ?? build(layout);
  return idx.full.get(name) ?? idx.short.get(shortName(name)) ?? -1;
}

/** A contig found by name. */
export interface ResolvedContig {
  sample: string;
  /** Index of the contig within its sample. */
  index: number;
  layout: ContigLayout;
}

/** Short name -> every (sample index, contig index) with it, in sample order. */
export type ShortNameIndex = Map<string, { sample: number; contig: number }[]>;

/** Adds the contigs of sample `s` to the index (samples must be added in order). */
export function indexShortNames(idx: ShortNameIndex, s: number, names: readonly string[]): void {
  for (let c = 0; c < names.length; c++) {
    const key = shortName(names[c]);
    let l = idx.get(key);
    if (!l) idx.set(key, (l = []));
    l.push({ sample: s, contig: c });
  }
}

/** The (sample, contig index) pairs whose short name is the short form of `contig`. */
export function shortNameHits(idx: ShortNameIndex, sampleNames: readonly string[], contig: string): { sample: string; index: number }[] {
  const l = idx.get(shortName(contig)) ?? [];
  return l.map((e) => ({ sample: sampleNames[e.sample], index: e.contig }));
}

/** Type checks of a lookup's names (the public boundary of both readers). */
export function checkLookupNames(sample: unknown, contig: unknown): void {
  if (typeof contig !== 'string') throw new AgcInputError('contig name must be a string');
  if (sample !== undefined && typeof sample !== 'string') throw new AgcInputError('sample name must be a string');
}

/**
 * The sample of a contig named without its sample: the one that holds it, undefined when none
 * does, AgcAmbiguousNameError when several do.
 */
export function soleSample(contig: string, hits: readonly { sample: string }[]): string | undefined {
  if (hits.length === 0) return undefined;
  if (hits.length > 1) {
    const samples = hits.map((h) => h.sample);
    throw new AgcAmbiguousNameError(
      `contig ${contig} is ambiguous: found ${hits.length} times (samples ${[...new Set(samples)].join(', ')}); give a sample`,
      samples,
    );
  }
  return hits[0].sample;
}

/** The contig called `contig` in a sample's layout (full name, else short name). */
export function contigInSample(sample: string, layout: SampleLayout | undefined, contig: string): ResolvedContig | undefined {
  if (!layout) return undefined;
  const index = findContigIndex(layout, contig);
  return index < 0 ? undefined : { sample, index, layout: layout.contigs[index] };
}
