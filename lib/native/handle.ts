// What CppArchive and CppCollection share: lifetime (close, `using`, a finalizer as backstop)
// and the argument checks of the public boundary: bad input becomes an AgcInputError here, before
// it reaches C++ (the bridge keeps only the type/range guards that memory safety needs).
import type { z } from 'zod/mini';
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
 * Validate with zod; the issues become one AgcInputError naming the call (never a ZodError).
 * The schemas use zod/mini, whose functions are separate exports a bundler leaves out when unused:
 * about 40 KB in the CLI's bundles instead of about 140 KB of the classic API, and every byte of a
 * bundle is compiled at each command's start-up. zod/mini has no default English messages, so every
 * schema names its own ("Invalid input" otherwise).
 */
export function parseArg<T>(schema: z.ZodMiniType<T, unknown>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new AgcInputError(`${what}: ${r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ')}`);
  return r.data;
}

/**
 * `value` when `valid` says it is (the common case, checked by hand), else parseArg with the
 * schema, which is built on that first bad value only: the schema gives the message, so it is
 * the same either way, and a command that passes good arguments never builds one (each cost
 * start-up time, see lazy.ts).
 */
export function checkArg<T>(valid: (value: unknown) => value is T, schema: () => z.ZodMiniType<T, unknown>, value: unknown, what: string): T {
  return valid(value) ? value : parseArg(schema(), value, what);
}

/** A non-empty string. */
export const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
/** A string. */
export const isString = (v: unknown): v is string => typeof v === 'string';
