// A GenericFilehandle over bytes already in memory (an archive embedded in a page, a test).
import type { ByteSource } from './byte-source.js';

export class BytesFile implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}

  async read(length: number, position: number): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, position), this.bytes.length);
    // A view, not a copy: callers treat read results as read-only.
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + Math.max(0, length)));
  }

  async readFile(): Promise<Uint8Array> {
    return this.bytes;
  }

  async stat(): Promise<{ size: number }> {
    return { size: this.bytes.length };
  }

  async close(): Promise<void> {}
}
