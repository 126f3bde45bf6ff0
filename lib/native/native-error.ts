// The addon throws JS errors carrying a `code` (native/common.h); this turns them into the
// classes of lib/errors.ts by that code. The only place where native errors are translated: no
// caller ever looks at a native error's message.
import { AgcCorruptError, AgcError, AgcErrorCode, AgcInputError } from '../errors.js';

/** The agc-node error for an error thrown by the addon (other values are returned unchanged). */
export function fromNative(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof AgcError) return e;
  const code = (e as { code?: unknown }).code;
  switch (code) {
    case AgcErrorCode.INPUT:
      return new AgcInputError(e.message, { cause: e });
    case AgcErrorCode.CORRUPT:
      return new AgcCorruptError(e.message, { cause: e });
    case AgcErrorCode.CLOSED:
    case AgcErrorCode.IO:
    case AgcErrorCode.INTERNAL:
      return new AgcError(code, e.message, { cause: e });
    default:
      return e;
  }
}

/** Runs a native call; its errors come out as agc-node errors (see fromNative). */
export function callNative<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}
