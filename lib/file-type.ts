// File-type checks made before a file is opened. open() on a FIFO blocks until a peer appears, so
// inputs are checked by type first; outputs that are not regular files (a FIFO, /dev/null, a
// terminal device) are written in place rather than replaced by a renamed temporary file, and a
// symlink is followed so that the file it points to is replaced, not the link.
import fs from 'node:fs';
import path from 'node:path';
import { AgcInputError } from './errors.js';

/** What a non-regular file is, for messages. */
export function describeFileType(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A path must not contain NUL: the C library would silently open the part before it. */
export function checkPathString(p: string, what: string): void {
  if (p.includes('\0')) throw new AgcInputError(`${what} ${JSON.stringify(p)}: a file name cannot contain a NUL character`);
}

/**
 * An input (archive or FASTA) must be a regular file (symlinks followed). A missing file passes:
 * the caller's open reports it with its own wording.
 */
export function checkRegularInput(p: string, what: string): void {
  checkPathString(p, what);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(fsPath(p), { throwIfNoEntry: false });
  } catch {
    return; // e.g. EACCES on a parent folder: the open reports it
  }
  if (st && !st.isFile()) throw new AgcInputError(`${p}: the ${what} is ${describeFileType(st)}, not a regular file`);
}

/** Where an output named by the user really goes. */
export interface OutputTarget {
  /** The file to write or replace (a symlink's final target; the path itself otherwise). */
  path: string;
  /**
   * True for an existing FIFO or character device: written in place (opened for writing, never
   * renamed over), since replacing it would destroy the device or pipe.
   */
  inPlace: boolean;
}

/** Resolve `-o FILE` as described in {@link OutputTarget}. */
export function outputTarget(p: string): OutputTarget {
  checkPathString(p, 'output');
  const lst = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!lst) return { path: p, inPlace: false };
  let target = p;
  if (lst.isSymbolicLink()) {
    target = resolveLink(p);
  }
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (!st) return { path: target, inPlace: false };
  if (st.isDirectory()) throw new AgcInputError(`cannot write output ${p}: is a directory`);
  if (st.isFIFO() || st.isCharacterDevice()) return { path: target, inPlace: true };
  if (!st.isFile()) throw new AgcInputError(`cannot write output ${p}: is ${describeFileType(st)}`);
  return { path: target, inPlace: false };
}

/** The final target of a symlink chain; a dangling link resolves to the file it would create. */
function resolveLink(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    // Dangling: follow the links by hand up to the first missing name.
    let cur = p;
    for (let i = 0; i < 40; i++) {
      const l = fs.lstatSync(cur, { throwIfNoEntry: false });
      if (!l?.isSymbolicLink()) return cur;
      cur = path.resolve(path.dirname(cur), fs.readlinkSync(cur));
    }
    throw new AgcInputError(`cannot write output ${p}: too many levels of symbolic links`);
  }
}

/**
 * The file system path of an input named by a JS string. A file whose name is not UTF-8 (e.g.
 * Latin-1 "caf\xe9.fa") cannot be named by its UTF-8 form; it is named by the one-char-per-byte
 * form that listings show for such names (format/names.ts), which is tried when the UTF-8 form
 * does not exist.
 */
export function fsPath(p: string): string | Buffer {
  if (!/[\x80-\xff]/.test(p) || /[^\x00-\xff]/.test(p)) return p;
  if (fs.existsSync(p)) return p;
  const bytes = Buffer.from(p, 'latin1');
  return fs.existsSync(bytes) ? bytes : p;
}

/** True when `p` names its file by the bytes of its chars (see fsPath). */
export function namesBytes(p: string): boolean {
  return typeof fsPath(p) !== 'string';
}
