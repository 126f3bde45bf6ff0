// zstd through the addon, so TypeScript and C++ share the one pinned zstd (1.5.6) that makes
// archives byte-identical to upstream's.
import { native } from './load.js';
import { AgcInputError } from '../errors.js';
import { callNative } from './native-error.js';

const levelOk = (l: unknown): l is number => typeof l === 'number' && Number.isInteger(l) && l >= 1 && l <= 22;

/** One zstd frame of `data` at `level` (1..22), exactly as ZSTD_compressCCtx writes it. */
export function zstdCompress(data: Uint8Array, level: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new AgcInputError('zstdCompress: data must be a Uint8Array');
  if (!levelOk(level)) throw new AgcInputError('zstdCompress: level must be an integer 1..22');
  return callNative(() => native.zstdCompress(data, level));
}

/** Decompress one frame of known content size. */
export function zstdDecompress(data: Uint8Array, rawSize: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new AgcInputError('zstdDecompress: data must be a Uint8Array');
  if (typeof rawSize !== 'number' || !Number.isSafeInteger(rawSize) || rawSize < 0)
    throw new AgcInputError('zstdDecompress: rawSize must be a non-negative integer');
  return callNative(() => native.zstdDecompress(data, rawSize));
}

/** Version of the linked zstd ("1.5.6"). */
export function zstdVersion(): string {
  return callNative(() => native.zstdVersion());
}
