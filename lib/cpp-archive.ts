// Typed handle on the C++ archive container (upstream CArchive). Thin on purpose: argument
// checking that the native side cannot express (zod), lifetime (close / using / finalizer).
import { z } from 'zod/v3';
import { native } from './native.js';
import type { Archive as NativeArchive } from '../binding.js';

const pathSchema = z.string().min(1, 'archive path must not be empty');
const metadataSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

// Backstop for handles the user forgot to close: the native finalizer closes the file too,
// this only drops our reference early.
const registry = new FinalizationRegistry<NativeArchive>((a) => {
  try {
    a.close();
  } catch {
    // never throw from a finalizer
  }
});

// Ids are checked on every call, including hot read paths, so this avoids zod's overhead.
function checkId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new TypeError(`${what}: expected a non-negative integer, got ${typeof value === 'number' ? value : typeof value}`);
  return value;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new TypeError(`${what}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/** A part read from an archive. */
export interface ArchivePart {
  data: Uint8Array;
  metadata: number;
}

/**
 * An AGC container opened for reading ({@link CppArchive.open}) or writing ({@link CppArchive.create}).
 * Supports `using` (Symbol.dispose) and `close()`; every method throws after close.
 */
export class CppArchive implements Disposable {
  /** @internal the raw native object, for CppCollection */
  readonly native: NativeArchive;
  /** Path given when opening. */
  readonly path: string;
  /** 'r' for reading, 'w' for writing. */
  readonly mode: 'r' | 'w';

  private constructor(path: string, mode: 'r' | 'w') {
    this.native = new native.Archive(path, mode);
    this.path = path;
    this.mode = mode;
    registry.register(this, this.native, this);
  }

  /** Open an existing archive and read its footer. Throws an Error naming the file if it is not a valid AGC archive. */
  static open(path: string): CppArchive {
    return new CppArchive(parse(pathSchema, path, 'CppArchive.open'), 'r');
  }

  /** Create (truncate) an archive for writing. Parts are written as they are added; close() writes the footer. */
  static create(path: string): CppArchive {
    return new CppArchive(parse(pathSchema, path, 'CppArchive.create'), 'w');
  }

  /** Write mode: flush buffered parts and write the footer. Idempotent. */
  close(): void {
    registry.unregister(this);
    this.native.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** True until close(). */
  get isOpen(): boolean {
    return this.native.isOpen();
  }

  /** Number of streams (registration = footer order). */
  get numStreams(): number {
    return this.native.getNumStreams();
  }

  /** Stream names in id order. */
  streamNames(): string[] {
    return this.native.getStreamNames();
  }

  /** Id of a stream, or undefined when the archive has no stream of that name. */
  streamId(name: string): number | undefined {
    const id = this.native.getStreamId(parse(z.string(), name, 'streamId'));
    return id < 0 ? undefined : id;
  }

  /** Name of stream `id`. */
  streamName(id: number): string {
    return this.native.getStreamName(checkId(id, 'streamName'));
  }

  /** Number of parts of stream `id`. */
  numParts(id: number): number {
    return this.native.getNumParts(checkId(id, 'numParts'));
  }

  /** Register a stream (write mode); returns its id, the existing one if the name is known. */
  registerStream(name: string): number {
    return this.native.registerStream(parse(z.string().min(1), name, 'registerStream'));
  }

  /** Write a part now (write mode); returns its index in the stream. */
  addPart(id: number, data: Uint8Array, metadata: number): number {
    return this.native.addPart(checkId(id, 'addPart'), data, parse(metadataSchema, metadata, 'addPart metadata'));
  }

  /** Queue a part; buffered parts are written by flush() in ascending stream id order, as upstream. */
  addPartBuffered(id: number, data: Uint8Array, metadata: number): void {
    this.native.addPartBuffered(
      checkId(id, 'addPartBuffered'),
      data,
      parse(metadataSchema, metadata, 'addPartBuffered metadata'),
    );
  }

  /** Write all buffered parts (upstream FlushOutBuffers). */
  flush(): void {
    this.native.flushOutBuffers();
  }

  /** Bytes written so far (write mode). */
  get position(): number {
    return this.native.getPosition();
  }

  /** Read part `part` of stream `id` (read mode). */
  getPart(id: number, part: number): ArchivePart {
    return this.native.getPart(checkId(id, 'getPart'), checkId(part, 'getPart part'));
  }

  /** Size of a part's data without reading it (read mode). */
  partSize(id: number, part: number): number {
    return this.native.getPartSize(checkId(id, 'partSize'), checkId(part, 'partSize part'));
  }

  /** File offset of a part (read mode), from the footer; parts tile the file in offset order. */
  partOffset(id: number, part: number): number {
    return this.native.getPartOffset(checkId(id, 'partOffset'), checkId(part, 'partOffset part'));
  }

  /** Size of the archive file in bytes (read mode). */
  get fileSize(): number {
    return this.native.getFileSize();
  }
}
