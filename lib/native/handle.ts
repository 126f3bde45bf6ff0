// What CppArchive and CppCollection share: lifetime (close, `using`, a finalizer as backstop)
// and the argument checks of the public boundary: bad input becomes an AgcInputError here, before
// it reaches C++ (the bridge keeps only the type/range guards that memory safety needs).
import { callNative } from './native-error.js';
import { AgcInputError } from '../errors.js';

interface Closable {
  close(): void;
  isOpen(): boolean;
}

// Backstop for handles the user forgot to close. The native finalizers release the C++ objects
// too; this only closes them as soon as the wrapper is collected.
const registry = new FinalizationRegistry<Closable>((n) => {
  try {
    n.close();
  } catch {
    // never throw from a finalizer
  }
});

/** A JS wrapper owning one native object. */
export abstract class NativeHandle<N extends Closable> implements Disposable {
  /** @internal the raw native object */
  readonly native: N;

  protected constructor(nativeObject: N) {
    this.native = nativeObject;
    registry.register(this, nativeObject, this);
  }

  /** Release the native object (an output archive writes its footer). Idempotent. */
  close(): void {
    registry.unregister(this);
    callNative(() => this.native.close());
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** True until close(). */
  get isOpen(): boolean {
    return callNative(() => this.native.isOpen());
  }
}

/**
 * A non-negative safe integer, or AgcInputError. Hand-written rather than zod: it guards every
 * part read, including hot paths.
 */
export function checkIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new AgcInputError(`${what}: expected a non-negative integer, got ${typeof value === 'number' ? value : typeof value}`);
  return value;
}

/**
 * The checks of the wrappers' arguments, written out by hand (they were zod schemas; building
 * and running them cost each command's start-up ~1 ms, and zod a sixth of the command line's
 * bundle). Each check gives the list of issues, in the words and order the schemas gave them
 * (test/native-misuse.test.ts compares the two), and a bad value becomes one AgcInputError
 * naming the call: `${what}: ${issue}; ${issue}...`.
 */
export function argError(what: string, issues: readonly string[]): AgcInputError {
  return new AgcInputError(`${what}: ${issues.join('; ')}`);
}

/**
 * A string, non-empty with `emptyMessage`: `value` when it is one, else an AgcInputError. (As the
 * schema did, a value that is not a string but has a length below 1, an empty array say, gets
 * the empty message too.)
 */
export function checkString(value: unknown, notString: string, what: string, emptyMessage?: string): string {
  const length = value === null || value === undefined ? undefined : (value as { length?: unknown }).length;
  const empty = emptyMessage !== undefined && length !== undefined && !((length as number) >= 1);
  if (typeof value === 'string' && !empty) return value;
  const issues = typeof value === 'string' ? [] : [notString];
  if (empty) issues.push(emptyMessage);
  throw argError(what, issues);
}

/**
 * The issues of an integer with bounds (as z.int(notInt).check(bounds...)): anything but an
 * integer number is one issue; an integer beyond the safe ones is one too, and its bounds are
 * still checked.
 */
export function intIssues(value: unknown, notInt: string, bounds: readonly (readonly [(n: number) => boolean, string])[]): string[] {
  if (typeof value !== 'number' || !Number.isInteger(value)) return [notInt];
  const issues = Number.isSafeInteger(value) ? [] : [notInt];
  for (const [ok, message] of bounds) if (!ok(value)) issues.push(message);
  return issues;
}
