// The one temp-file-then-rename helper of agc-node, used by createArchive/appendArchive and by
// every CLI output file. A command that fails (or is killed) must never leave a partial file
// under the name the user asked for, so outputs are written under a temporary name in the
// target's folder (same file system, so the final rename is atomic) and renamed at the end.
// Outputs that are not regular files are never replaced: a symlink is followed (the file it points
// to is replaced, the link stays) and a FIFO or character device (/dev/null, a terminal) receives
// the finished file by plain writes (see file-type.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { AgcError, AgcErrorCode, AgcInputError } from './errors.js';
import { outputTarget } from './file-type.js';
import { trackForInterrupt } from './interrupt-cleanup.js';

// node:crypto is loaded on first use: importing it costs ~5 ms of start-up, and commands that
// write only to standard output never need it.
let crypto: typeof import('node:crypto') | undefined;
function randomHex(bytes: number): string {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.randomBytes(bytes).toString('hex');
}

const pendingTemps = new Map<string, () => void>();
let exitHookInstalled = false;

// Temporaries still present when the process exits (an uncaught error, process.exit from a
// signal handler) are removed, so a crash leaves nothing behind but the untouched target. The
// CLI also has them removed by a native signal handler while JavaScript is busy (interrupt-cleanup).
function trackTemp(p: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const t of pendingTemps.keys()) {
        try {
          fs.unlinkSync(t);
        } catch {
          // already gone
        }
      }
    });
  }
  pendingTemps.set(p, trackForInterrupt(p));
}

function untrackTemp(p: string): void {
  pendingTemps.get(p)?.();
  pendingTemps.delete(p);
}

/** Why a file operation failed, in words (without the temporary file's name). */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or directory',
    EIO: 'input/output error',
  };
  return (code !== undefined && words[code]) || (e as Error).message.split('\n')[0]!;
}

/** Copy a file into a FIFO or device by plain reads and writes (copyfile's fast paths refuse them). */
function copyInto(from: string, to: string): void {
  const src = fs.openSync(from, 'r');
  try {
    const dst = fs.openSync(to, 'w');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const got = fs.readSync(src, buf, 0, buf.length, null);
        if (got === 0) break;
        for (let off = 0; off < got;) off += fs.writeSync(dst, buf, off, got - off);
      }
    } finally {
      fs.closeSync(dst);
    }
  } finally {
    fs.closeSync(src);
  }
}

/**
 * A temporary path for `target`, reserved by creating it empty. Write to `tempPath` (any writer,
 * the native archive writer included), then commit() moves it to the target; abort() removes it
 * and leaves the target untouched.
 */
export class AtomicPath {
  readonly target: string;
  readonly tempPath: string;
  /** The file commit() replaces: the target, or the final target of a symlink at it. */
  private readonly finalPath: string;
  /** The target is a FIFO or character device: commit() writes into it instead of renaming. */
  private readonly inPlace: boolean;
  private done = false;

  /**
   * @param targetBytes the target's file name as bytes, when it is not UTF-8 (a getcol sample
   *   file named after a Latin-1 sample name, see format/names.ts); it is then taken as it is.
   */
  constructor(
    target: string,
    private readonly targetBytes?: Buffer,
  ) {
    this.target = target;
    const where = targetBytes ? { path: target, inPlace: false } : outputTarget(target);
    this.finalPath = where.path;
    this.inPlace = where.inPlace;
    // A device has no folder to rename in: the file is built in the temporary folder then copied.
    const dir = this.inPlace ? os.tmpdir() : path.dirname(path.resolve(this.finalPath));
    const dirStat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!dirStat) throw new AgcInputError(`cannot write output ${target}: output folder ${dir} does not exist`);
    if (!dirStat.isDirectory()) throw new AgcInputError(`cannot write output ${target}: ${dir} is not a folder`);
    if (!this.inPlace && fs.statSync(this.finalPath, { throwIfNoEntry: false })?.isDirectory())
      throw new AgcInputError(`cannot write output ${target}: is a directory`);
    this.tempPath = path.join(dir, `.${path.basename(this.finalPath)}.${process.pid}-${randomHex(4)}.tmp`);
    try {
      fs.closeSync(fs.openSync(this.tempPath, 'wx', 0o666));
    } catch (e) {
      throw new AgcInputError(`cannot write output ${target}: ${ioReason(e)}`, { cause: e });
    }
    trackTemp(this.tempPath);
  }

  /** Move the temporary file to the target (replacing it, or writing into a FIFO/device). */
  commit(): void {
    if (this.done) throw new AgcError(AgcErrorCode.CLOSED, `output ${this.target} is already committed or aborted`);
    this.done = true;
    try {
      if (this.inPlace) {
        copyInto(this.tempPath, this.finalPath);
        fs.unlinkSync(this.tempPath);
      } else fs.renameSync(this.tempPath, this.targetBytes ?? this.finalPath);
      untrackTemp(this.tempPath);
    } catch (e) {
      this.remove();
      throw new AgcError(AgcErrorCode.IO, `cannot write output ${this.target}: ${ioReason(e)}`, { cause: e });
    }
  }

  /** Remove the temporary file; the target is untouched. Never throws; idempotent. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.remove();
  }

  /** An error whose message names the temporary file, reworded to name the output the user asked for. */
  reword(e: unknown): unknown {
    if (e instanceof Error && e.message.includes(this.tempPath)) e.message = e.message.split(this.tempPath).join(this.target);
    return e;
  }

  private remove(): void {
    try {
      fs.unlinkSync(this.tempPath);
    } catch {
      // not there
    }
    untrackTemp(this.tempPath);
  }
}
