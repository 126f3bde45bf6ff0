// FASTA output as upstream agc writes it (docs/format.md 6.3, 6.4): '>' + name + '\n', then the
// sequence in lines of exactly `lineLength` symbols, each line (the last too) ending in '\n'.
// Sequences arrive as ASCII letters, so output is pure copying.
//
// Gzip (-g): upstream writes each record as two gzip members, the header at level 1 and the
// sequence lines at the requested level, with libdeflate. We write the same two members with
// node:zlib, so the decompressed text is identical but the compressed bytes are not.
import { createRequire } from 'node:module';
import { AgcError, AgcErrorCode } from '../errors.js';

// node:zlib is loaded on first use: a few milliseconds of start-up that only -g needs.
let zlib: typeof import('node:zlib') | undefined;
function gzipSync(data: Uint8Array, options: import('node:zlib').ZlibOptions): Buffer {
  zlib ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  return zlib.gzipSync(data, options);
}

const NL = 0x0a;

/** Number of bytes `n` symbols take as wrapped lines (every line terminated). */
export function wrappedSize(n: number, lineLength: number): number {
  return n === 0 ? 0 : n + Math.ceil(n / lineLength);
}

/** Bytes of a whole record: header line plus wrapped sequence of `n` symbols. */
export function recordSize(name: string | Uint8Array, n: number, lineLength: number): number {
  return (typeof name === 'string' ? Buffer.byteLength(name, 'utf8') : name.length) + 2 + wrappedSize(n, lineLength);
}

/**
 * Copy `seq` into `dst` at `offset` wrapped into lines, starting in column `column` (symbols
 * already on the current line). Returns the new column. A line break is written after every full
 * line, so the caller ends the record with '\n' only when the returned column is not 0.
 */
export function wrapInto(seq: Uint8Array, lineLength: number, dst: Uint8Array, offset: number, column = 0): { end: number; column: number } {
  let p = 0;
  let q = offset;
  const n = seq.length;
  let col = column;
  while (p < n) {
    const take = Math.min(lineLength - col, n - p);
    if (take < 24) {
      for (let i = 0; i < take; i++) dst[q + i] = seq[p + i];
    } else {
      dst.set(seq.subarray(p, p + take), q);
    }
    p += take;
    q += take;
    col += take;
    if (col === lineLength) {
      dst[q++] = NL;
      col = 0;
    }
  }
  return { end: q, column: col };
}

/**
 * Wrap `n` symbols that sit at buf[textStart, textStart + n) into lines starting at `dstStart`
 * (dstStart + ceil(n / L) <= textStart, i.e. the text was placed at the tail of the record
 * buffer). Lines move forward with copyWithin, which never overwrites text not yet moved.
 * Returns the end of the wrapped text (every line terminated).
 */
export function wrapInPlace(buf: Uint8Array, textStart: number, n: number, dstStart: number, lineLength: number): number {
  let q = dstStart;
  const end = textStart + n;
  for (let p = textStart; p < end; p += lineLength) {
    const e = p + lineLength < end ? p + lineLength : end;
    buf.copyWithin(q, p, e);
    q += e - p;
    buf[q++] = NL;
  }
  return q;
}

/** Header line bytes: '>' + name (+ suffix) + '\n'. A string is written as UTF-8, bytes verbatim. */
export function headerLine(name: string | Uint8Array): Buffer {
  if (typeof name === 'string') return Buffer.from(`>${name}\n`, 'utf8');
  const b = Buffer.allocUnsafe(name.length + 2);
  b[0] = 0x3e;
  b.set(name, 1);
  b[name.length + 1] = NL;
  return b;
}

/** Whole record (header + wrapped sequence) as upstream's non-streaming writer formats it. */
export function formatRecord(name: string | Uint8Array, seq: Uint8Array, lineLength: number): Buffer {
  const head = headerLine(name);
  const buf = Buffer.allocUnsafe(head.length + wrappedSize(seq.length, lineLength));
  head.copy(buf, 0);
  const { end, column } = wrapInto(seq, lineLength, buf, head.length, 0);
  let q = end;
  if (column !== 0) buf[q++] = NL;
  return q === buf.length ? buf : buf.subarray(0, q);
}

/** Wrapped sequence lines only (no header), non-streaming form. */
export function formatLines(seq: Uint8Array, lineLength: number): Buffer {
  const buf = Buffer.allocUnsafe(wrappedSize(seq.length, lineLength));
  const { end, column } = wrapInto(seq, lineLength, buf, 0, 0);
  let q = end;
  if (column !== 0) buf[q++] = NL;
  return buf.subarray(0, q);
}

/** The two gzip members upstream writes for one record with -g. */
export function gzipRecord(name: string | Uint8Array, seq: Uint8Array, lineLength: number, level: number): Buffer {
  return Buffer.concat([gzipSync(headerLine(name), { level: 1 }), gzipSync(formatLines(seq, lineLength), { level })]);
}

/**
 * Incremental writer of one record at a time for streaming output: the sequence arrives in pieces
 * and the column is carried between them, so output is the same as formatting the whole sequence.
 */
export class StreamingRecordFormatter {
  private column = 0;
  private symbols = 0;
  private started = false;

  constructor(readonly lineLength: number) {}

  /** Start a record; returns the header line. */
  start(name: string | Uint8Array): Buffer {
    this.column = 0;
    this.symbols = 0;
    this.started = true;
    return headerLine(name);
  }

  /** Wrap the next piece of the sequence. */
  piece(seq: Uint8Array): Buffer {
    if (!this.started) throw new AgcError(AgcErrorCode.INTERNAL, 'StreamingRecordFormatter: piece() before start()');
    const max = seq.length + Math.ceil((seq.length + this.column) / this.lineLength) + 1;
    const buf = Buffer.allocUnsafe(max);
    const { end, column } = wrapInto(seq, this.lineLength, buf, 0, this.column);
    this.column = column;
    this.symbols += seq.length;
    return buf.subarray(0, end);
  }

  /**
   * End the record: terminate a partial last line. `upstreamStreaming` reproduces upstream's -s
   * mode, which also writes a '\n' for an empty sequence (an empty line after the header).
   */
  end(upstreamStreaming: boolean): Buffer {
    this.started = false;
    const partial = this.column !== 0;
    const empty = this.symbols === 0;
    this.column = 0;
    this.symbols = 0;
    return partial || (empty && upstreamStreaming) ? Buffer.from([NL]) : Buffer.alloc(0);
  }
}
