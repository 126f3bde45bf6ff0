// Public entry point of agc-node.
export { CppArchive } from './cpp-archive.js';
export type { ArchivePart } from './cpp-archive.js';
export { CppCollection, PlacementBuffer } from './cpp-collection.js';
export type { CollectionParams, PlacementBatch, SampleDesc } from './cpp-collection.js';
export { AgcInputError, AgcAmbiguousNameError } from './errors.js';
export { zstdCompress, zstdDecompress, zstdVersion } from './zstd.js';
export { AgcArchive, shortContigName } from './reader.js';
export type { AgcArchiveOptions, ArchiveParams, SequenceQuery, FastaStreamOptions, ResolvedContig, SampleLayout } from './reader.js';
export type { ContigLayout } from './contig.js';
export { createArchive, appendArchive, defaultThreads, DEFAULTS } from './api.js';
export type { CreateArchiveOptions, AppendArchiveOptions, CommonWriteOptions, ArchiveSummary, CompressProgress } from './api.js';
