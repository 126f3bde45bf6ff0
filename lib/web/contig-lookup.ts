// Contig lookup by name within one sample: the first contig whose full name matches, else the
// first whose short name (first word) matches. The maps are built once per decoded sample layout
// (held weakly), so listing every contig's length costs O(contigs) instead of O(contigs^2).
import type { SampleLayout } from './reader-api.js';
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
