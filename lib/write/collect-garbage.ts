// Memory that create/append drop at a phase boundary (the reference's contigs and k-mers after the
// splitters, the group views and batch arenas before the close stage) is returned only when V8
// collects it, and the hot loops allocate too little JavaScript to make that happen soon: the
// dropped data would stay resident through the next phase, on top of that phase's own. A full
// collection right at those few boundaries returns it at once (milliseconds on these small heaps).
// gc exists only when the process allows it (`node --expose-gc`, or the agc-node CLI, which sets the
// flag at start-up): the library itself never changes V8 flags (see cli/main.ts).
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null = null;
let looked = false;

/** Run a full garbage collection when gc is exposed; otherwise do nothing. */
export function collectGarbage(): void {
  // Looked up on first use, after the CLI had the chance to set the flag.
  if (!looked) {
    looked = true;
    gc = (runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined) ?? null;
  }
  gc?.();
}
