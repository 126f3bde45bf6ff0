// Sample and contig names are bytes in the format (upstream writes whatever bytes the file names
// and FASTA headers had). They cross the native bridge as "binary strings" (one char per byte,
// U+0000..U+00FF) and are shown to users decoded without loss of information:
// - bytes that are valid UTF-8 -> the decoded string (the usual case: ASCII, UTF-8 names);
// - anything else (e.g. Latin-1 "caf\xe9") -> one char per byte (Latin-1), so "café" shows as such.
// Output (listings, FASTA headers, getcol file names) always writes the original bytes, which
// the reader keeps next to each decoded name (see NameTable).
import { isUtf8 } from 'node:buffer';

/** Bytes of a binary string. */
export function binaryBytes(bin: string): Buffer {
  return Buffer.from(bin, 'latin1');
}

/** A binary string holding `bytes`. */
export function bytesToBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The user-facing form of a binary-string name (see the module comment). */
export function decodeName(bin: string): string {
  // Pure ASCII is the same in both forms.
  if (!/[\x80-\xff]/.test(bin)) return bin;
  const bytes = binaryBytes(bin);
  return isUtf8(bytes) ? bytes.toString('utf8') : bin;
}

/** The binary string of a name typed by a user or derived from a JS string (its UTF-8 bytes). */
export function utf8Binary(s: string): string {
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * Decoded names and their original bytes. A name decodes to one string, but two different byte
 * strings can decode to the same string (UTF-8 "é" and Latin-1 "é"); the first one seen wins for
 * lookups by the decoded string, and each entry keeps its own bytes for output.
 */
export class NameTable {
  private readonly raw = new Map<string, string>();

  /** Decode `bin` and remember its bytes. */
  add(bin: string): string {
    const s = decodeName(bin);
    if (/[\x80-\xff]/.test(bin) && !this.raw.has(s)) this.raw.set(s, bin);
    return s;
  }

  /** The binary string of a decoded name: remembered bytes, or else its UTF-8 bytes. */
  binary(s: string): string {
    return this.raw.get(s) ?? utf8Binary(s);
  }

  /** The original bytes of a decoded name. */
  bytes(s: string): Buffer {
    return binaryBytes(this.binary(s));
  }
}
