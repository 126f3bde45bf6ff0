// Typed handle on the C++ archive container (upstream CArchive). Thin on purpose: argument
// checking that the native side cannot express (handle.ts), lifetime (close / using / finalizer).
import { native } from './load.js';
import { callNative } from './native-error.js';
import type { Archive as NativeArchive } from '../../binding.js';
import { NativeHandle, argError, checkIndex, checkString, intIssues } from './handle.js';
import { checkPathString, checkRegularInput } from '../file-type.js';
import { AgcCorruptError } from '../errors.js';

const checkPath = (path: unknown, what: string): string => checkString(path, 'archive path must be a string', what, 'archive path must not be empty');

/** Part metadata: a non-negative safe integer. */
function checkMetadata(metadata: unknown, what: string): number {
  const issues = intIssues(metadata, 'metadata must be a safe integer', [[(n) => n >= 0, 'metadata must not be negative']]);
  if (issues.length) throw argError(what, issues);
  return metadata as number;
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
export class CppArchive extends NativeHandle<NativeArchive> {
  /** Path given when opening. */
  readonly path: string;
  /** 'r' for reading, 'w' for writing. */
  readonly mode: 'r' | 'w';

  private constructor(path: string, mode: 'r' | 'w') {
    super(callNative(() => new native.Archive(path, mode)));
    this.path = path;
    this.mode = mode;
  }

  /** Open an existing archive and read its footer. Throws an Error naming the file if it is not a valid AGC archive. */
  static open(path: string): CppArchive {
    checkPath(path, 'CppArchive.open');
    // Before the native open: open() of a FIFO would block until a writer appears.
    checkRegularInput(path, 'archive');
    try {
      return new CppArchive(path, 'r');
    } catch (e) {
      // A file cut short looks like one with a garbage footer: say what the user can act on.
      const m = e instanceof Error ? /not an AGC archive \((footer|trailer|file too small)[^)]*\)/.exec(e.message) : null;
      if (m) throw new AgcCorruptError(`${path}: truncated or not an AGC archive`, { cause: e });
      throw e;
    }
  }

  /** Create (truncate) an archive for writing. Parts are written as they are added; close() writes the footer. */
  static create(path: string): CppArchive {
    checkPathString(path, 'archive');
    return new CppArchive(checkPath(path, 'CppArchive.create'), 'w');
  }

  /** Number of streams (registration = footer order). */
  get numStreams(): number {
    return callNative(() => this.native.getNumStreams());
  }

  /** Stream names in id order. */
  streamNames(): string[] {
    return callNative(() => this.native.getStreamNames());
  }

  /** Id of a stream, or undefined when the archive has no stream of that name. */
  streamId(name: string): number | undefined {
    const id = this.native.getStreamId(checkString(name, 'stream name must be a string', 'streamId'));
    return id < 0 ? undefined : id;
  }

  /** Name of stream `id`. */
  streamName(id: number): string {
    return callNative(() => this.native.getStreamName(checkIndex(id, 'streamName')));
  }

  /** Number of parts of stream `id`. */
  numParts(id: number): number {
    return callNative(() => this.native.getNumParts(checkIndex(id, 'numParts')));
  }

  /** Register a stream (write mode); returns its id, the existing one if the name is known. */
  registerStream(name: string): number {
    return callNative(() => this.native.registerStream(checkString(name, 'stream name must be a string', 'registerStream', 'stream name must not be empty')));
  }

  /** Write a part now (write mode); returns its index in the stream. */
  addPart(id: number, data: Uint8Array, metadata: number): number {
    return callNative(() => this.native.addPart(checkIndex(id, 'addPart'), data, checkMetadata(metadata, 'addPart metadata')));
  }

  /** Queue a part; buffered parts are written by flush() in ascending stream id order, as upstream. */
  addPartBuffered(id: number, data: Uint8Array, metadata: number): void {
    const stream = checkIndex(id, 'addPartBuffered');
    const meta = checkMetadata(metadata, 'addPartBuffered metadata');
    callNative(() => this.native.addPartBuffered(stream, data, meta));
  }

  /** Write all buffered parts (upstream FlushOutBuffers). */
  flush(): void {
    callNative(() => this.native.flushOutBuffers());
  }

  /** Bytes written so far (write mode). */
  get position(): number {
    return callNative(() => this.native.getPosition());
  }

  /** Read part `part` of stream `id` (read mode). */
  getPart(id: number, part: number): ArchivePart {
    return callNative(() => this.native.getPart(checkIndex(id, 'getPart'), checkIndex(part, 'getPart part')));
  }

  /**
   * Read part `part` of stream `id` into dst[0, partSize(id, part)) (read mode); returns its
   * metadata. For a reader that reuses one buffer for compressed parts.
   */
  readPartInto(id: number, part: number, dst: Uint8Array): number {
    return callNative(() => this.native.readPartInto(checkIndex(id, 'readPartInto'), checkIndex(part, 'readPartInto part'), dst));
  }

  /** Size of a part's data without reading it (read mode). */
  partSize(id: number, part: number): number {
    return callNative(() => this.native.getPartSize(checkIndex(id, 'partSize'), checkIndex(part, 'partSize part')));
  }

  /** File offset of a part (read mode), from the footer; parts tile the file in offset order. */
  partOffset(id: number, part: number): number {
    return callNative(() => this.native.getPartOffset(checkIndex(id, 'partOffset'), checkIndex(part, 'partOffset part')));
  }

  /**
   * The footer's part table in one call (read mode): the part count of each stream (numStreams
   * of them), then per stream and part its offset and data size (as partOffset, partSize).
   */
  partTable(): Float64Array {
    return callNative(() => this.native.getPartTable());
  }

  /** Size of the archive file in bytes (read mode). */
  get fileSize(): number {
    return callNative(() => this.native.getFileSize());
  }
}
