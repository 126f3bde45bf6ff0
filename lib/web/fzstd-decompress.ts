// zstd decoding in pure JavaScript (fzstd), for browsers and for Node without the addon.
import { decompress } from 'fzstd';
import type { Decompress } from '../format/segment-decode.js';

/** Decompress one frame of known content size with fzstd. */
export const fzstdDecompress: Decompress = (data, rawSize) => decompress(data, new Uint8Array(rawSize));
