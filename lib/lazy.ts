// Values built on first use. The zod schemas of the argument checks are built this way: built at
// module load they cost every command's start-up ~2 ms (V8 runs that code once, cold), also the
// commands that never check the arguments they guard.

/** A function returning the value `make()` builds on its first call, the same value afterwards. */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
