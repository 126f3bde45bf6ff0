// Least-recently-used cache bounded by the total size of its values, not their number: decoded
// references are megabytes while packs and metadata are kilobytes, so a count bound would be
// either useless or wasteful. Map keeps insertion order; a hit only marks its entry, which gets a
// second chance (moves to the back) when eviction reaches it (the "clock" approximation of LRU):
// a random query hits several caches, and moving each hit entry cost two Map updates apiece.

export class ByteLru<K, V> {
  private readonly map = new Map<K, { value: V; size: number; used: boolean }>();
  private bytes = 0;

  /** @param budget maximum total size; a single value larger than this is not cached at all. */
  constructor(readonly budget: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Total size of the cached values. */
  get byteSize(): number {
    return this.bytes;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    e.used = true;
    return e.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V, size: number): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.bytes -= old.size;
    }
    if (size > this.budget) return;
    this.map.set(key, { value, size, used: false });
    this.bytes += size;
    while (this.bytes > this.budget) {
      // oldest first; a used entry moves to the back once (a full round ends with none used)
      for (const [k, e] of this.map) {
        if (this.bytes <= this.budget) break;
        this.map.delete(k);
        if (e.used && k !== key) {
          e.used = false;
          this.map.set(k, e);
        } else this.bytes -= e.size;
      }
    }
  }

  /** Drops `key` (if cached). */
  delete(key: K): void {
    const e = this.map.get(key);
    if (e === undefined) return;
    this.map.delete(key);
    this.bytes -= e.size;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
