// Shared plumbing of the agc-node subcommands (read side and create/append):
//
// - argument parsing: parseCommandArgs() wraps node's util.parseArgs (options anywhere, like
//   upstream's ketopt with permutation) and turns its errors into one-line AgcInputErrors;
//   validate() runs each flag's check (intOption: upstream-style numbers, clamped silently like
//   upstream's b_value, but non-numbers are an error instead of atoi's 0). Plain functions rather
//   than zod schemas: building and running the schemas was ~0.9 ms of each read command's
//   start-up, before the archive is opened.
// - error reporting: runCommand() runs a command body, prints "agc-node <cmd>: <message>" on one
//   line (the stack only with -v 2), and returns the exit code (0 ok, 1 error).
// - output: openOutput() gives stdout or an AtomicFile, which writes to a temporary file in the
//   target's folder and renames it over the target only on commit(), so a failed command never
//   leaves a partial file under the requested name. AtomicPath does the same for writers that
//   open the file themselves (the native archive writer); writeFileAtomic/withOutput wrap both.
//   Leftover temporaries are removed on exit.
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AgcError, AgcErrorCode, AgcInputError } from '../errors.js';
import { AtomicPath } from '../atomic-path.js';
import { outputTarget } from '../file-type.js';
import { directStdout } from './direct-stdout.cjs';

export { AgcInputError, AtomicPath };

// ---------------------------------------------------------------------------------------- args

/** Options spec for parseCommandArgs (the `options` of util.parseArgs). */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts: -h/--help and -v (verbosity; 2 prints stack traces). */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  verbosity: { type: 'string', short: 'v' },
} as const satisfies OptionSpec;

/**
 * Parse `argv` (arguments after the command name). Unknown options and missing values become
 * AgcInputError with util.parseArgs' message reduced to one line.
 */
export function parseCommandArgs<O extends OptionSpec>(
  argv: string[],
  options: O,
): {
  values: { [K in keyof (O & typeof COMMON_OPTIONS)]?: (O & typeof COMMON_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };
  positionals: string[];
} {
  try {
    const r = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: r.values as never, positionals: r.positionals };
  } catch (e) {
    let msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    // "argument is ambiguous" means the option's value is missing (the next word is an option).
    const amb = /^Option '(-[^']+)' argument is ambiguous/.exec(msg) ?? /^Option '(-[^',]+)[^']*' argument missing/.exec(msg);
    if (amb) msg = `option ${amb[1]} needs a value`;
    throw new AgcInputError(msg);
  }
}

/** What a flag's check gets: its value from parseCommandArgs (a string, a boolean or undefined). */
export type OptionCheck<T> = (value: unknown) => T;
/** The checks of a command's flags, one per flag of its options (T: the checked values). */
export type OptionChecks<T> = { [K in keyof T]: OptionCheck<T[K]> };

/**
 * Integer option as upstream's b_value: a decimal integer, clamped silently into [min, max];
 * absent -> `def`. Anything that is not an integer is an error (upstream would read 0).
 */
export function intOption(flag: string, def: number, min: number, max: number): OptionCheck<number> {
  return (value) => {
    if (value === undefined) return def;
    const s = String(value as string | boolean);
    const t = s.trim();
    if (!/^[+-]?\d+$/.test(t)) throw new AgcInputError(`-${flag}: expected an integer, got '${s}'`);
    return Math.min(max, Math.max(min, Number(t)));
  };
}

/** An optional file name given with -o. */
export const outputFileOption: OptionCheck<string | undefined> = (value) => {
  if (value === '') throw new AgcInputError('-o: empty file name');
  return value === undefined ? undefined : String(value as string | boolean);
};

/** A boolean flag (parseCommandArgs gives true or nothing). */
export const flagOption: OptionCheck<boolean | undefined> = (value) => (value === undefined ? undefined : value === true);

/** The flags' values through their checks, in the order of `checks`: the first bad one throws its AgcInputError. */
export function validate<T>(checks: OptionChecks<T>, values: Readonly<Record<string, unknown>>): T {
  const out = {} as T;
  for (const k of Object.keys(checks) as (keyof T & string)[]) out[k] = checks[k](values[k]);
  return out;
}

/** Verbosity option as upstream (0..2, default 0). */
export const verbosityOption = intOption('v', 0, 0, 2);

/**
 * The -t option: `fallback` threads when it is not given (upstream's default is half the cores,
 * at least 1); clamp range 1..max(16, cores), as upstream.
 */
export function threadsOption(cores: number, fallback: number = Math.max(1, Math.floor(cores / 2))) {
  return intOption('t', fallback, 1, Math.max(16, cores));
}

/** Best-effort verbosity from raw argv, for reporting errors that happen before parsing finished. */
export function sniffVerbosity(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let v: string | undefined;
    if (a === '-v' || a === '--verbosity') v = argv[i + 1];
    else if (a.startsWith('-v') && a.length > 2 && !a.startsWith('--')) v = a.slice(2);
    else if (a.startsWith('--verbosity=')) v = a.slice(12);
    // Only a valid level counts: '-v 9' is an argument error, not a request for stack traces.
    if (v !== undefined && /^\d+$/.test(v)) return Number(v) <= 2 ? Number(v) : 0;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------- console

let consoleUsed = false;

/** Write to standard error (remembered for canExitAbruptly). */
export function writeStderr(text: string): void {
  consoleUsed = true;
  process.stderr.write(text);
}

/** process.stdout (remembered for canExitAbruptly). */
export function stdoutStream(): NodeJS.WriteStream {
  consoleUsed = true;
  return process.stdout;
}

/**
 * True when ending the process with process.exit() cannot lose output: neither console stream
 * was used (files and direct stdout writes are synchronous). Skipping node's orderly teardown
 * saves a few milliseconds of a short command.
 */
export function canExitAbruptly(): boolean {
  return !consoleUsed;
}

// ---------------------------------------------------------------------------------------- errors

/** Thrown (code AGC_OUTPUT_CLOSED) to stop a command quietly when the reader closes stdout (`| head`). */
function outputClosed(): AgcError {
  return new AgcError(AgcErrorCode.OUTPUT_CLOSED, 'stdout closed');
}

/** One line describing `err` for the user. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    let msg = err.message;
    if (code && (err as NodeJS.ErrnoException).syscall && !(err instanceof AgcInputError)) {
      const p = (err as NodeJS.ErrnoException).path;
      msg = `${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code === 'ENOTDIR' ? 'not a directory' : code === 'ENOSPC' ? 'no space left on device' : msg}${p ? `: ${p}` : ''}`;
    }
    return msg.split('\n')[0];
  }
  return String(err).split('\n')[0];
}

/**
 * Run a command body and turn failures into an exit code: prints `agc-node <cmd>: <message>`
 * (one line) to stderr, and the stack too with verbosity 2.
 */
export async function runCommand(command: string, argv: string[], body: () => Promise<number | void>): Promise<number> {
  try {
    const r = await body();
    return r ?? 0;
  } catch (err) {
    if (err instanceof AgcError && err.code === AgcErrorCode.OUTPUT_CLOSED) return 0;
    writeStderr(`agc-node ${command}: ${errorMessage(err)}\n`);
    if (sniffVerbosity(argv) >= 2 && err instanceof Error && err.stack) writeStderr(`${err.stack}\n`);
    return 1;
  }
}

// ---------------------------------------------------------------------------------------- output

/** Where a command writes: stdout or a file committed atomically. */
export interface Output {
  /** Write bytes (in order). The caller must not change `chunk` afterwards. */
  write(chunk: Uint8Array | string): Promise<void>;
  /**
   * Write bytes (in order) and resolve once the output holds no reference to `chunk` any more,
   * so that the caller may fill it again (bulk extraction reuses its buffers).
   */
  writeReusable(chunk: Uint8Array): Promise<void>;
  /**
   * True when writes complete without waiting for a consumer (files, /dev/null): a writer then
   * gains nothing from filling a second buffer while the first is written.
   */
  readonly synchronous: boolean;
  /** Finish successfully: flush and (for files) rename into place. */
  commit(): Promise<void>;
  /** Give up: for files, remove the temporary file; the target is untouched. Never throws. */
  abort(): void;
}

let signalHookInstalled = false;
// A CLI killed by a signal exits through process.exit, so the exit hook of atomic-path.ts removes
// its temporaries. Only the CLI does this; the library leaves signals to its host.
function exitOnSignals(): void {
  if (signalHookInstalled) return;
  signalHookInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      // 128 + signal number is the shell convention.
      process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
    });
  }
}

/**
 * A file written under a temporary name in the same folder (see AtomicPath) and renamed to
 * `target` by commit().
 */
export class AtomicFile implements Output {
  readonly target: string;
  readonly synchronous = true;
  /** Undefined when the output is written in place (a FIFO or a device, see outputTarget). */
  private readonly reserved: AtomicPath | undefined;
  private fd: number | undefined;

  /** `targetBytes`: the file name as bytes, when it is not UTF-8 (a getcol sample file). */
  constructor(target: string, targetBytes?: Buffer) {
    this.target = target;
    exitOnSignals();
    const where = targetBytes ? { path: target, inPlace: false } : outputTarget(target);
    if (where.inPlace) {
      // a FIFO or device (/dev/null): written in place, never replaced
      try {
        this.fd = fs.openSync(where.path, 'w');
      } catch (e) {
        throw new AgcInputError(`cannot write output ${target}: ${errorMessage(e).replace(`: ${where.path}`, '')}`);
      }
      return;
    }
    // A symlink is followed: the file it points to is replaced, the link stays.
    this.reserved = new AtomicPath(where.path, targetBytes);
    try {
      this.fd = fs.openSync(this.reserved.tempPath, 'w');
    } catch (e) {
      this.reserved.abort();
      throw new AgcInputError(`cannot write output ${target}: ${errorMessage(e).replace(`: ${this.reserved.tempPath}`, '')}`);
    }
  }

  /** The temporary file, or the target itself when written in place. */
  get tempPath(): string {
    return this.reserved?.tempPath ?? this.target;
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    this.writeSync(chunk);
  }

  async writeReusable(chunk: Uint8Array): Promise<void> {
    this.writeSync(chunk);
  }

  /** Synchronous write (files do not need back-pressure). */
  writeSync(chunk: Uint8Array | string): void {
    if (this.fd === undefined) throw new AgcError(AgcErrorCode.CLOSED, `output ${this.target} is already closed`);
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      throw new AgcInputError(`cannot write output ${this.target}: ${errorMessage(e).replace(`: ${this.tempPath}`, '')}`);
    }
  }

  async commit(): Promise<void> {
    if (this.fd === undefined) throw new AgcError(AgcErrorCode.CLOSED, `output ${this.target} is already closed`);
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.closeSync(fd);
    } catch (e) {
      this.reserved?.abort();
      throw new AgcInputError(`cannot write output ${this.target}: ${errorMessage(e)}`);
    }
    this.reserved?.commit();
  }

  abort(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // ignore
      }
      this.fd = undefined;
    }
    this.reserved?.abort();
  }
}

/**
 * Standard output; a closed pipe (EPIPE) ends the command quietly. Files, pipes and /dev/null are
 * written with fs.writeSync on fd 1, which skips creating process.stdout (a few milliseconds of
 * start-up for a pipe) and makes every write complete at once. Should fd 1 turn out to be
 * non-blocking (EAGAIN), the rest goes through process.stdout, with back-pressure.
 */
export class StdoutOutput implements Output {
  private failed: Error | undefined;
  private wake: (() => void) | undefined;
  private stream: NodeJS.WritableStream | undefined;
  private direct: boolean;
  private readonly onError = (e: NodeJS.ErrnoException) => {
    this.failed ??= e.code === 'EPIPE' ? outputClosed() : new AgcInputError(`cannot write to standard output: ${errorMessage(e)}`);
    this.wake?.();
  };
  private readonly onDrain = () => this.wake?.();
  // A method rather than inline checks: `failed` is set from callbacks, which TypeScript's
  // narrowing of an inline `if (this.failed)` does not see across awaits.
  private throwIfFailed(): void {
    if (this.failed) throw this.failed;
  }

  /** `stream`: write to this stream instead of standard output. */
  constructor(stream?: NodeJS.WritableStream) {
    this.direct = stream === undefined && directStdout();
    if (!this.direct) this.attach(stream ?? stdoutStream());
  }

  get synchronous(): boolean {
    return this.direct;
  }

  private attach(stream: NodeJS.WritableStream): NodeJS.WritableStream {
    stream.on('error', this.onError);
    stream.on('drain', this.onDrain);
    this.stream = stream;
    return stream;
  }

  /** Direct write of all of `chunk`; returns the part that could not be written without blocking. */
  private writeDirect(chunk: Uint8Array | string): Uint8Array | undefined {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
        this.onError(e as NodeJS.ErrnoException);
        this.throwIfFailed();
      }
      this.direct = false;
      this.attach(stdoutStream());
      return buf.subarray(off);
    }
    return undefined;
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    this.throwIfFailed();
    if (this.direct) {
      const rest = this.writeDirect(chunk);
      if (rest === undefined) return;
      chunk = rest;
    }
    if (!this.stream!.write(chunk)) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      this.throwIfFailed();
    }
  }

  async writeReusable(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (this.direct) {
      const rest = this.writeDirect(chunk);
      if (rest === undefined) return;
      chunk = rest;
    }
    // The stream keeps `chunk` until its write callback runs (a pipe that is full takes the rest
    // later); only then may the caller overwrite it.
    await new Promise<void>((resolve) => {
      this.stream!.write(chunk, (e?: Error | null) => {
        if (e) this.onError(e as NodeJS.ErrnoException);
        resolve();
      });
    });
    this.throwIfFailed();
  }

  async commit(): Promise<void> {
    this.throwIfFailed();
    const stream = this.stream;
    if (stream) {
      // Wait until everything handed to the stream has been flushed.
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        stream.write('', () => resolve());
      });
      this.wake = undefined;
    }
    this.detach();
    this.throwIfFailed();
  }

  abort(): void {
    this.detach();
  }

  private detach(): void {
    this.stream?.off('error', this.onError);
    this.stream?.off('drain', this.onDrain);
  }
}

/** stdout when `file` is undefined, otherwise an AtomicFile. An empty name is an error, not stdout. */
export function openOutput(file: string | undefined, fileBytes?: Buffer): Output {
  if (file === '') throw new AgcInputError('-o: empty file name');
  return file !== undefined ? new AtomicFile(file, fileBytes) : new StdoutOutput();
}

/** Write a whole file atomically (temporary name + rename). */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const f = new AtomicFile(file);
  try {
    await f.write(data);
    await f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}

/** Run `body` with an output; commit on success, abort (remove the temporary file) on failure. */
export async function withOutput<T>(file: string | undefined, body: (out: Output) => Promise<T>, fileBytes?: Buffer): Promise<T> {
  const out = openOutput(file, fileBytes);
  try {
    const r = await body(out);
    await out.commit();
    return r;
  } catch (e) {
    out.abort();
    throw e;
  }
}

/** Print usage text: to stdout for --help (exit 0), to stderr when arguments are missing. */
export function printUsage(text: string, toStdout: boolean): void {
  const line = text.endsWith('\n') ? text : `${text}\n`;
  if (toStdout) stdoutStream().write(line);
  else writeStderr(line);
}
