// zstd decoding in pure JavaScript (fzstd), for browsers and for Node without the addon.
import { decompress } from 'fzstd';
import type { Decompress } from '../format/segment-decode.js';

// One RLE block of at most 128 KiB takes at least 4 bytes, so no frame expands by more than
// this; a larger stated size is corrupt and must not be allocated.
const MAX_RATIO = 1 << 15;

/** Decompress one frame of known content size with fzstd. */
export const fzstdDecompress: Decompress = (data, rawSize) => {
  if (rawSize > (data.length + 16) * MAX_RATIO) throw new Error(`implausible uncompressed size ${rawSize} for ${data.length} bytes of zstd`);
  return decompress(data, new Uint8Array(rawSize));
};
