// Browser entry of agc-node (`agc-node/web`): the pure-TypeScript reader and its byte sources,
// without node: imports or the native addon. zstd is decoded by fzstd unless another decoder is
// passed (options.decompress).
export { RemoteAgcArchive } from './remote-archive.js';
export type { RemoteArchiveOptions, RemoteResolvedContig } from './remote-archive.js';
export type { AgcReader, ArchiveParams, SequenceQuery, SampleLayout, ContigLayout } from './reader-api.js';
export type { ReadOptions, SequenceOptions } from './read-options.js';
export { fzstdDecompress } from './fzstd-decompress.js';
export { HttpFile } from '../io/http-file.js';
export type { HttpFileOptions, TransferStats } from '../io/http-file.js';
export { BytesFile } from '../io/bytes-file.js';
export type { ByteSource, GenericFilehandle } from '../io/byte-source.js';
export type { ArchiveSource } from '../io/open-source.js';
export { BlobFile } from 'generic-filehandle2';
export { AgcError, AgcErrorCode, AgcCorruptError, AgcInputError, AgcAmbiguousNameError, AgcAbortError, isAgcError } from '../errors.js';
export type { Decompress } from '../format/segment-decode.js';

import { RemoteAgcArchive, type RemoteArchiveOptions } from './remote-archive.js';
import type { ArchiveSource } from '../io/open-source.js';

/** Open an archive from a URL, bytes, a Blob or a GenericFilehandle (same as RemoteAgcArchive.open). */
export function openArchive(source: ArchiveSource, options?: RemoteArchiveOptions): Promise<RemoteAgcArchive> {
  return RemoteAgcArchive.open(source, options);
}
