// Copies of an archive with chosen parts damaged (bytes 8..63 of each flipped, inside the zstd
// frame): the container and the collection still read, decoding those parts fails.
import fs from 'node:fs';
import { CppArchive } from '../../lib/native/cpp-archive.js';

/** A group's reference or delta stream (x<id>r, x<id>d). */
export const isGroupStream = (name: string): boolean => /^x.+[rd]$/.test(name);

/** Writes `dest`: `src` with every part for which `garble(streamName, partIndex)` holds damaged. */
export function writeGarbledParts(src: string, dest: string, garble: (stream: string, part: number) => boolean): void {
  const bytes = Buffer.from(fs.readFileSync(src));
  {
    using ar = CppArchive.open(src);
    for (const name of ar.streamNames()) {
      const id = ar.streamId(name)!;
      for (let p = 0; p < ar.numParts(id); p++) {
        if (!garble(name, p)) continue;
        const off = ar.partOffset(id, p);
        for (let i = off + 8; i < off + Math.min(ar.partSize(id, p), 64); i++) bytes[i] ^= 0xa5;
      }
    }
  }
  fs.writeFileSync(dest, bytes);
}
