// The warm start bin.cts began for `getset <archive> <sample>` (early-start.cts), kept from the
// moment the command line's code is loaded until getset's extraction takes it over. At most one;
// one that nothing takes is closed when the command ends.
import type { WarmStart } from '../../binding.js';

interface Offer {
  path: string;
  sample: string;
  warm: WarmStart;
}

let offered: Offer | undefined;

/**
 * bin.cts's warm start, for the command about to run.
 * @internal
 */
export function offerWarmStart(offer: Offer): void {
  dropWarmStart();
  offered = offer;
}

/** The warm start begun for this archive path and sample, once; any other is closed. */
export function takeWarmStart(path: string, sample: string): WarmStart | undefined {
  const o = offered;
  offered = undefined;
  if (o === undefined) return undefined;
  if (o.path === path && o.sample === sample) return o.warm;
  o.warm.close();
  return undefined;
}

/** Closes a warm start that nothing took (the command failed before its extraction, or had none). */
export function dropWarmStart(): void {
  const o = offered;
  offered = undefined;
  o?.warm.close();
}
