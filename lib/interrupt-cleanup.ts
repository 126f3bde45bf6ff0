// Temporary files removed at once on SIGINT/SIGTERM/SIGHUP, even while JavaScript is busy in a
// long synchronous step (see native/signals.cc). Only the command-line tool enables it: a library
// must not take over its host's signal handling. Without it, trackForInterrupt does nothing and
// the 'exit' hooks of the callers remove their files on a normal exit or a JS-level signal exit.
import { native } from './native/load.js';

// Process-wide, not module state: main.js enables it through the compiled module, while the
// commands run from a bundle (scripts/build-cli.mjs) that holds its own copy of this module.
const SLOT = Symbol.for('agc-node.interruptCleanup');
type Slot = { [SLOT]?: boolean };

/** Turn on immediate cleanup for this process (the CLI calls this once). */
export function enableInterruptCleanup(): void {
  (globalThis as Slot)[SLOT] = native.installInterruptCleanup?.() ?? false;
}

/** Remove `p` (a file, or with `folder` an empty folder) if a signal ends the process; returns the undo. */
export function trackForInterrupt(p: string, folder = false): () => void {
  if (!(globalThis as Slot)[SLOT]) return () => undefined;
  const slot = native.registerInterruptCleanup(p, folder);
  // Re-take the signals: a JavaScript listener registered since then installed libuv's handler.
  native.installInterruptCleanup();
  return () => {
    if (slot >= 0) native.unregisterInterruptCleanup(slot);
  };
}
