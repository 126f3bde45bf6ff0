// What the pure-TypeScript reader reads from: generic-filehandle2's GenericFilehandle, of which it
// needs only read(length, position) and stat(). Anything with those two methods works, so
// JBrowse/GMOD filehandles can be passed as they are.
import type { GenericFilehandle } from 'generic-filehandle2';

export type { GenericFilehandle };

/** The subset of GenericFilehandle the reader uses. */
export interface ByteSource {
  /** `length` bytes from `position` (fewer only at the end of the data). */
  read(length: number, position: number): Promise<Uint8Array>;
  stat(): Promise<{ size: number }>;
  close?(): Promise<void>;
}

/** True for objects that can serve as a ByteSource (duck-typed, like GMOD readers do). */
export function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).read === 'function' && typeof (x as ByteSource).stat === 'function';
}
