// Memory that create/append drop at a phase boundary (the reference's contigs and k-mers after the
// splitters, the group views and batch arenas before the close stage) is returned only when V8
// collects it, and the hot loops allocate too little JavaScript to make that happen soon: the
// dropped data would stay resident through the next phase, on top of that phase's own. A full
// collection right at those few boundaries returns it at once (milliseconds on these small heaps).
// gc exists only when the process allows it (`node --expose-gc`, or the agc-node CLI, which sets the
// flag at start-up): the library itself never changes V8 flags (see cli/main.ts).
//
// Freed native memory (buffers below the mmap threshold the addon sets, zstd output vectors,
// the backing stores the collection just released) goes back to malloc's free lists, in the
// arena of whichever thread freed it, and stays resident until that arena reuses it. At these
// same boundaries malloc_trim returns the free pages of every arena (all threads'): klebsiella-8
// create peaks ~13 MiB lower. It costs well under a millisecond.
import { runInNewContext } from 'node:vm';
import { native } from '../native/load.js';

let gc: (() => void) | null = null;
let looked = false;

/** Run a full garbage collection when gc is exposed, then return malloc's free pages to the system. */
export function collectGarbage(): void {
  // Looked up on first use, after the CLI had the chance to set the flag.
  if (!looked) {
    looked = true;
    gc = (runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined) ?? null;
  }
  gc?.();
  native.trimAllocator?.();
}
