// Whether fd 1 can be written directly with blocking writes. CommonJS, so that bin.cts's early
// start (which runs before any ES module can be loaded on node 20) and the command's standard
// output (cli/common.ts) decide the same way.
import fs from 'node:fs';

/**
 * A file, a pipe or socket, or a memory device such as /dev/null (major number 1). Terminals go
 * through process.stdout.
 */
export function directStdout(): boolean {
  try {
    const st = fs.fstatSync(1);
    return st.isFile() || st.isFIFO() || st.isSocket() || (st.isCharacterDevice() && Math.floor(st.rdev / 256) % 4096 === 1);
  } catch {
    return false;
  }
}
