// What both readers (AgcArchive, RemoteAgcArchive) share for the GMOD-style calls and for long
// reads: option types, the positional-argument form of getSequence, cancellation, and yielding to
// the event loop between decode slices. No node: imports (the browser entry uses it too).
import { AgcAbortError, AgcInputError, describeValue } from '../errors.js';
import type { SampleLayout, SequenceQuery } from './reader-api.js';

/** Options every read takes. */
export interface ReadOptions {
  /** Abort the read: the promise rejects with AgcAbortError (code AGC_ABORTED). */
  signal?: AbortSignal;
}

/** Options of the GMOD-style calls (getSequence(name, ...), getSequenceNames(), ...). */
export interface SequenceOptions extends ReadOptions {
  /**
   * Sample whose contigs the name refers to; default: the reference sample (the first one added),
   * since a GMOD-style reader describes one assembly.
   */
  sample?: string;
}

// Symbols decoded between two checks of the clock; a slice costs well under a millisecond.
export const DECODE_SLICE = 1 << 16;
// A long read gives the event loop a turn once it has run this long.
const YIELD_AFTER_MS = 4;

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AgcAbortError('The read was aborted', { cause: signal.reason });
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' || typeof (signal as AbortSignal).aborted !== 'boolean')
    throw new AgcInputError('options.signal must be an AbortSignal');
  return signal as AbortSignal;
}

type Timer = () => number;
interface Port {
  onmessage: ((ev: unknown) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}
interface Channel {
  port1: Port;
  port2: Port;
}
// The global is looked up when a pacer first runs, not when this module loads: in Node, reading
// it loads node:perf_hooks, a few milliseconds of every CLI command's start-up.
const now: Timer = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * A macrotask turn: timers, I/O and other callbacks run before the promise resolves (a resolved
 * promise would only let other microtasks run). setImmediate in Node; in browsers a
 * MessageChannel message (setTimeout is clamped to 4 ms after a few nested calls).
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as unknown as { setImmediate?: (cb: () => void) => unknown; MessageChannel?: new () => Channel };
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate;
    return new Promise((resolve) => si(resolve));
  }
  if (typeof g.MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Paces a long synchronous job: call `maybeYield()` between slices; it yields once the slice run has lasted a few ms. */
export class Pacer {
  private since = now();
  constructor(private readonly signal: AbortSignal | undefined) {
    throwIfAborted(signal);
  }

  /** True when the caller should `await this.pause()` before the next slice. */
  due(): boolean {
    return now() - this.since >= YIELD_AFTER_MS;
  }

  async pause(): Promise<void> {
    await yieldToEventLoop();
    throwIfAborted(this.signal);
    this.since = now();
  }

  check(): void {
    throwIfAborted(this.signal);
  }
}

/** A getSequence call in either form, normalized. `sample: undefined` in positional form means the reference. */
export interface SequenceCall {
  query: SequenceQuery;
  signal: AbortSignal | undefined;
  /** Positional (GMOD) form: the name is looked up in one sample (opts.sample or the reference). */
  positional: boolean;
}

/**
 * getSequence(query, opts?) or getSequence(name, start?, end?, opts?). In the positional form
 * start/end may be undefined (whole contig) and, as in the GMOD readers, a negative start is 0.
 */
export function sequenceCall(a: unknown, b: unknown, c: unknown, d: unknown): SequenceCall {
  if (typeof a === 'string') {
    if (d !== undefined && (d === null || typeof d !== 'object')) throw new AgcInputError('getSequence: options must be an object');
    const opts = (d ?? {}) as SequenceOptions;
    if (opts.sample !== undefined && typeof opts.sample !== 'string') throw new AgcInputError('options.sample must be a string');
    const num = (v: unknown, what: string): number | undefined => {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new AgcInputError(`${what} must be an integer, got ${describeValue(v)}`);
      return Math.max(0, v);
    };
    return {
      query: { sample: opts.sample, contig: a, start: num(b, 'start'), end: num(c, 'end') },
      signal: checkSignal(opts.signal),
      positional: true,
    };
  }
  if (a === null || typeof a !== 'object')
    throw new AgcInputError('getSequence: expected (name, start?, end?, options?) or ({ sample?, contig, start?, end? }, options?)');
  if (b !== undefined && (b === null || typeof b !== 'object')) throw new AgcInputError('getSequence: options must be an object');
  return { query: a as SequenceQuery, signal: checkSignal((b as ReadOptions | undefined)?.signal), positional: false };
}

/** An object without a prototype, so that a contig called `__proto__` or `constructor` is just a key. */
function sizeRecord(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** Contig lengths of a sample keyed by full stored name; a repeated name keeps its first contig. */
export function contigSizes(layout: SampleLayout): Record<string, number> {
  const sizes = sizeRecord();
  for (const c of layout.contigs) sizes[c.name] ??= c.length;
  return sizes;
}

/** A non-negative safe integer (an option or a coordinate), else AgcInputError naming it. */
export function checkInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new AgcInputError(`${what} must be a non-negative integer, got ${describeValue(v)}`);
  return v;
}

/** A query's [start, end) on a contig of length `len`: absent bounds mean the whole contig; both are clipped to it. */
export function queryRange(query: SequenceQuery, len: number): { start: number; end: number } {
  const start = query.start === undefined ? 0 : checkInt(query.start, 'start');
  const end = query.end === undefined ? len : checkInt(query.end, 'end');
  return { start: Math.min(start, len), end: Math.min(end, len) };
}

/** The sample of a GMOD-style call: `options.sample`, else `reference` (the first sample). */
export function gmodCallSample(options: SequenceOptions | undefined, reference: string | undefined): string | undefined {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new AgcInputError('options must be an object');
  throwIfAborted(checkSignal(options?.signal));
  const s = options?.sample;
  if (s !== undefined && typeof s !== 'string') throw new AgcInputError('options.sample must be a string');
  return s ?? reference;
}

export { checkSignal };
