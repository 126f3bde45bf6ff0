// The one error model of agc-node. Every error the library throws on purpose is an AgcError with a
// stable `code`; callers branch on `code` (or instanceof), never on message text. Messages are one
// line and name the file, sample or object involved.

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export const AgcErrorCode = Object.freeze({
  /** Bad user input: arguments, options, input files (FASTA), output paths. */
  INPUT: 'AGC_INPUT',
  /** An archive (or part of one) is not a valid AGC archive: truncated, mutated, unsupported. */
  CORRUPT: 'AGC_CORRUPT',
  /** A sample or contig name that exists nowhere (APIs that do not return undefined). */
  NOT_FOUND: 'AGC_NOT_FOUND',
  /** A name that matches more than one contig. */
  AMBIGUOUS: 'AGC_AMBIGUOUS',
  /** The operation was stopped by an AbortSignal or a signal (SIGINT/SIGTERM). */
  ABORTED: 'AGC_ABORTED',
  /** A handle used after close(), or used from the wrong state. */
  CLOSED: 'AGC_CLOSED',
  /** The operating system refused an operation (disk full, permission, read-only file system). */
  IO: 'AGC_IO',
  /** The output consumer went away (EPIPE on stdout). */
  OUTPUT_CLOSED: 'AGC_OUTPUT_CLOSED',
  /** A bug or an impossible state inside agc-node; please report it. */
  INTERNAL: 'AGC_INTERNAL',
} as const);

export type AgcErrorCode = (typeof AgcErrorCode)[keyof typeof AgcErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(AgcErrorCode));

/** Base class of every error agc-node throws on purpose. */
export class AgcError extends Error {
  override name = 'AgcError';
  readonly code: AgcErrorCode;
  constructor(code: AgcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Bad user input: arguments, options, input files. The CLI prints only the message for these. */
export class AgcInputError extends AgcError {
  override name = 'AgcInputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(AgcErrorCode.INPUT, message, options);
  }
}

/** An archive that is not valid AGC: truncated, mutated, or of an unsupported version. */
export class AgcCorruptError extends AgcError {
  override name = 'AgcCorruptError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(AgcErrorCode.CORRUPT, message, options);
  }
}

/** A name that matches more than one contig (e.g. a contig queried without its sample). */
export class AgcAmbiguousNameError extends AgcError {
  override name = 'AgcAmbiguousNameError';
  constructor(
    message: string,
    /** The samples in which the name was found. */
    readonly samples: string[],
  ) {
    super(AgcErrorCode.AMBIGUOUS, message);
  }
}

/** Stopped by an AbortSignal or by SIGINT/SIGTERM. */
export class AgcAbortError extends AgcError {
  override name = 'AbortError';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(AgcErrorCode.ABORTED, message, options);
  }
}

/** What crosses a worker_threads boundary for an error (structured clone drops class and code). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  samples?: string[];
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const out: SerializedError = { name: err.name, message: err.message, stack: err.stack };
    if (typeof code === 'string') out.code = code;
    if (err instanceof AgcAmbiguousNameError) out.samples = err.samples;
    return out;
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuilds the error a worker threw as the same class with the same code. */
export function deserializeError(s: SerializedError): Error {
  let err: Error;
  switch (s.code) {
    case AgcErrorCode.INPUT:
      err = new AgcInputError(s.message);
      break;
    case AgcErrorCode.CORRUPT:
      err = new AgcCorruptError(s.message);
      break;
    case AgcErrorCode.AMBIGUOUS:
      err = new AgcAmbiguousNameError(s.message, s.samples ?? []);
      break;
    case AgcErrorCode.ABORTED:
      err = new AgcAbortError(s.message);
      break;
    default:
      if (s.code !== undefined && KNOWN_CODES.has(s.code)) err = new AgcError(s.code as AgcErrorCode, s.message);
      else {
        err = new Error(s.message);
        err.name = s.name;
        if (s.code !== undefined) (err as { code?: string }).code = s.code;
      }
  }
  if (s.stack) err.stack = s.stack;
  return err;
}

/** True for an error with one of agc-node's codes (also one rebuilt from a worker or the addon). */
export function isAgcError(err: unknown): err is AgcError {
  return err instanceof AgcError;
}

/** A short description of a wrong argument value for a message ("got 1.5", "got an object"). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    default:
      return Array.isArray(v) ? 'an array' : 'an object';
  }
}
