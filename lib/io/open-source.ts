// Turns what a caller may pass as an archive (URL, bytes, Blob, filehandle) into a ByteSource.
// No node: imports, so browser bundles can use it; local paths are the Node entry's business.
import { BlobFile } from 'generic-filehandle2';
import { AgcInputError } from '../errors.js';
import { type ByteSource, isByteSource } from './byte-source.js';
import { BytesFile } from './bytes-file.js';
import { HttpFile, type HttpFileOptions } from './http-file.js';

/** Anything the pure-TypeScript reader opens. */
export type ArchiveSource = string | URL | Uint8Array | ArrayBuffer | Blob | ByteSource;

/** generic-filehandle (version 1): read(buffer, offset, length, position) -> { bytesRead, buffer }. */
interface V1Filehandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }>;
  stat(): Promise<{ size: number }>;
  close?(): Promise<void>;
}

function fromV1(f: V1Filehandle): ByteSource {
  // Version-1 handles (older JBrowse/GMOD code) write into a Node Buffer, or its browser polyfill.
  const alloc = (n: number): Uint8Array => {
    const B = (globalThis as { Buffer?: { alloc(n: number): Uint8Array } }).Buffer;
    return B ? B.alloc(n) : new Uint8Array(n);
  };
  return {
    read: async (length, position) => {
      const { bytesRead, buffer } = await f.read(alloc(length), 0, length, position);
      return buffer.subarray(0, bytesRead);
    },
    stat: () => f.stat(),
    close: f.close ? () => f.close!() : undefined,
  };
}

/** True for an http: or https: URL string. */
export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** A ByteSource for `source`, plus a name for error messages. */
export function toByteSource(source: ArchiveSource, http: HttpFileOptions = {}): { source: ByteSource; name: string } {
  if (typeof source === 'string') {
    if (!isHttpUrl(source))
      throw new AgcInputError(`cannot open archive ${source}: only http(s) URLs are supported here (open local paths with the Node entry)`);
    return { source: new HttpFile(source, http), name: source };
  }
  if (typeof URL !== 'undefined' && source instanceof URL) {
    if (source.protocol !== 'http:' && source.protocol !== 'https:')
      throw new AgcInputError(`cannot open archive ${source.href}: unsupported URL scheme ${source.protocol}`);
    return { source: new HttpFile(source.href, http), name: source.href };
  }
  if (source instanceof Uint8Array) return { source: new BytesFile(source), name: `<${source.length} bytes>` };
  if (source instanceof ArrayBuffer) return { source: new BytesFile(new Uint8Array(source)), name: `<${source.byteLength} bytes>` };
  if (typeof Blob !== 'undefined' && source instanceof Blob)
    return { source: new BlobFile(source), name: (source as { name?: string }).name ?? `<blob of ${source.size} bytes>` };
  if (isByteSource(source)) {
    const name = (source as { href?: string }).href ?? '<filehandle>';
    return { source: source.read.length >= 4 ? fromV1(source as unknown as V1Filehandle) : source, name };
  }
  throw new TypeError('open: expected a path, a URL, a Uint8Array, a Blob or a filehandle with read() and stat()');
}
