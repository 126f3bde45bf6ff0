// The one temp-file-then-rename helper of agc-node, used by createArchive/appendArchive and by
// every CLI output file. A command that fails (or is killed) must never leave a partial file
// under the name the user asked for, so outputs are written under a temporary name in the
// target's folder (same file system, so the final rename is atomic) and renamed at the end.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgcError, AgcErrorCode, AgcInputError } from './errors.js';

const pendingTemps = new Set<string>();
let exitHookInstalled = false;

// Temporaries still present when the process exits (an uncaught error, process.exit from a
// signal handler) are removed, so a crash leaves nothing behind but the untouched target.
function trackTemp(p: string): void {
  pendingTemps.add(p);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const t of pendingTemps) {
      try {
        fs.unlinkSync(t);
      } catch {
        // already gone
      }
    }
  });
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on device' : (code ?? (e as Error).message);
}

/**
 * A temporary path next to `target`, reserved by creating it empty. Write to `tempPath` (any
 * writer, the native archive writer included), then commit() renames it to `target`; abort()
 * removes it and leaves the target untouched.
 */
export class AtomicPath {
  readonly target: string;
  readonly tempPath: string;
  private done = false;

  constructor(target: string) {
    this.target = target;
    const dir = path.dirname(path.resolve(target));
    const dirStat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!dirStat) throw new AgcInputError(`cannot write output ${target}: output folder ${dir} does not exist`);
    if (!dirStat.isDirectory()) throw new AgcInputError(`cannot write output ${target}: ${dir} is not a folder`);
    if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new AgcInputError(`cannot write output ${target}: is a directory`);
    this.tempPath = path.join(dir, `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      fs.closeSync(fs.openSync(this.tempPath, 'wx', 0o666));
    } catch (e) {
      throw new AgcInputError(`cannot write output ${target}: ${reason(e)}`, { cause: e });
    }
    trackTemp(this.tempPath);
  }

  /** Rename the temporary file to the target (replacing it). */
  commit(): void {
    if (this.done) throw new AgcError(AgcErrorCode.CLOSED, `output ${this.target} is already committed or aborted`);
    this.done = true;
    try {
      fs.renameSync(this.tempPath, this.target);
      pendingTemps.delete(this.tempPath);
    } catch (e) {
      this.remove();
      throw new AgcError(AgcErrorCode.IO, `cannot write output ${this.target}: ${reason(e)}`, { cause: e });
    }
  }

  /** Remove the temporary file; the target is untouched. Never throws; idempotent. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.remove();
  }

  private remove(): void {
    try {
      fs.unlinkSync(this.tempPath);
    } catch {
      // not there
    }
    pendingTemps.delete(this.tempPath);
  }
}
