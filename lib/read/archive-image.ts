// Parts of an archive served from one in-memory copy of the file (docs/format.md 1.2). Bulk extraction
// reads nearly every part once; one read of the whole file and zero-copy views into it are much
// cheaper than a native read and a copy per part. Part positions come from the container's
// footer (CppArchive); only the metadata varint in front of each part is parsed here.
import fs from 'node:fs';
import { AgcCorruptError } from '../errors.js';
import type { ArchivePart, CppArchive } from '../native/cpp-archive.js';

const EMPTY = new Uint8Array(0);

export class ArchiveImage {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly archive: CppArchive,
    private readonly path: string,
  ) {}

  /** Read the file of `archive` into memory, unless it is larger than `maxBytes` (then undefined). */
  static load(archive: CppArchive, path: string, maxBytes: number): ArchiveImage | undefined {
    const size = archive.fileSize;
    if (size > maxBytes) return undefined;
    const bytes = fs.readFileSync(path);
    // The file changed since it was opened: keep using the native reader.
    if (bytes.length !== size) return undefined;
    return new ArchiveImage(bytes, archive, path);
  }

  /** As CppArchive.getPart: data (a view into the image) and metadata of part `part` of stream `sid`. */
  getPart(sid: number, part: number): ArchivePart {
    const size = this.archive.partSize(sid, part);
    // Upstream does not read the varint of an empty part (docs/format.md 1.2).
    if (size === 0) return { data: EMPTY, metadata: 0 };
    const off = this.archive.partOffset(sid, part);
    const b = this.bytes;
    const n = off < b.length ? b[off] : -1;
    if (n < 0 || n > 8 || off + 1 + n + size > b.length)
      throw new AgcCorruptError(`${this.path}: corrupted archive: part ${part} of stream ${sid} lies outside the file`);
    let metadata = 0;
    for (let i = 1; i <= n; i++) metadata = metadata * 256 + b[off + i];
    if (!Number.isSafeInteger(metadata))
      throw new AgcCorruptError(`${this.path}: corrupted archive: part ${part} of stream ${sid}: metadata exceeds Number.MAX_SAFE_INTEGER`);
    const start = off + 1 + n;
    return { data: b.subarray(start, start + size), metadata };
  }
}
