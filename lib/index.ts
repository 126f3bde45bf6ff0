// Public entry point of agc-node.
export { CppArchive } from './native/cpp-archive.js';
export type { ArchivePart } from './native/cpp-archive.js';
export { CppCollection, PlacementBuffer } from './native/cpp-collection.js';
export type { CollectionParams, PlacementBatch, SampleDesc } from './native/cpp-collection.js';
export {
  AgcError,
  AgcErrorCode,
  AgcInputError,
  AgcCorruptError,
  AgcAmbiguousNameError,
  AgcAbortError,
  isAgcError,
} from './errors.js';
export { zstdCompress, zstdDecompress, zstdVersion } from './native/zstd.js';
export { AgcArchive, shortContigName } from './read/agc-archive.js';
export type { AgcArchiveOptions, ArchiveParams, SequenceQuery, FastaStreamOptions, ResolvedContig, SampleLayout } from './read/agc-archive.js';
export type { ContigLayout } from './format/contig-layout.js';
export { createArchive, appendArchive, defaultThreads, DEFAULTS, LIMITS } from './write/api.js';
export type { CreateArchiveOptions, AppendArchiveOptions, CommonWriteOptions, ArchiveSummary, CompressProgress } from './write/api.js';
export type { WriteStats, StageFigure } from './write/stage-stats.js';
export { RemoteAgcArchive } from './web/remote-archive.js';
export type { RemoteArchiveOptions, RemoteResolvedContig } from './web/remote-archive.js';
export type { AgcReader } from './web/reader-api.js';
export type { ReadOptions, SequenceOptions } from './web/read-options.js';
export { fzstdDecompress } from './web/fzstd-decompress.js';
export { HttpFile } from './io/http-file.js';
export type { HttpFileOptions, TransferStats } from './io/http-file.js';
export { BytesFile } from './io/bytes-file.js';
export type { ByteSource, GenericFilehandle } from './io/byte-source.js';
export type { ArchiveSource } from './io/open-source.js';
export { LocalFile, BlobFile } from 'generic-filehandle2';
