// Streaming FASTA reader with upstream's record rules (docs/format.md 7.1, 5.1).
// Upstream parses bytes without validation; we reproduce that exactly, except that body bytes >= 128
// (undefined behaviour upstream) are rejected, and header bytes must be valid UTF-8 because contig
// names are JS strings (non-UTF-8 header bytes are not supported).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BYTE_TO_CODE, SYMBOL_INVALID } from '../format/alphabet.js';
import { AgcInputError } from '../errors.js';
import { bytesToBinary, decodeName } from '../format/names.js';
import { fsPath } from '../file-type.js';
import { native } from '../native/load.js';

/** One FASTA record after symbol conversion. */
export interface FastaContig {
  /**
   * Full header line without its first byte (normally '>'): decoded as UTF-8 when it is valid
   * UTF-8, one char per byte otherwise (format/names.ts).
   */
  name: string;
  /** The same header bytes as a binary string (one char per byte), as names cross the native bridge. */
  rawName: string;
  /** Sequence codes (alphabet.ts); may be empty when the body had only dropped bytes. */
  seq: Uint8Array;
}

/** Bad FASTA input. The message starts with the file path. */
export class FastaFormatError extends AgcInputError {
  override name = 'FastaFormatError';
  constructor(
    message: string,
    /** The file being read. */
    readonly path: string,
    /** Byte offset of the problem in the (decompressed) data, or -1. */
    readonly offset: number,
    /** 1-based line of the problem, or 0 when unknown. */
    readonly line: number,
  ) {
    super(message);
  }
}

/** Upstream's gzip test: name ends in ".gz" (and is longer than that) and the file starts 1F 8B. */
export async function isGzipFile(path: string): Promise<boolean> {
  if (!(path.length > 3 && path.endsWith('.gz'))) return false;
  const fh = await open(fsPath(path), 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

const READ_CHUNK = 1 << 20;

/** Options of {@link readFastaContigs}. */
export interface FastaReadOptions {
  /** Read (and gunzip output) chunk size in bytes; default 1 MiB. Small values are for tests. */
  chunkSize?: number;
  /**
   * A record with an empty name or no body bytes: 'stop' (default) ends the file there silently, as
   * upstream does (nothing after it is read); 'error' throws {@link FastaFormatError} instead, so that
   * callers can refuse input that upstream would silently truncate.
   */
  emptyRecords?: 'stop' | 'error';
  /**
   * Letters outside the IUPAC set (every byte 64..127 other than ACGTNRYSWKMBDHVU in either case:
   * X, E, J, O, '@', '_', ...): 'keep' (default) converts them as upstream does (codes 30/32, which
   * upstream's own decoder cannot read back), 'error' throws {@link FastaFormatError} naming the
   * file, record and 1-based position, and an IUPAC letter replaces them by that letter.
   */
  invalidLetters?: string;
  /**
   * Check the file starts like FASTA ('>' as its first byte; a UTF-8 BOM gets its own message) and
   * reject NUL bytes in headers. Default false: upstream's parser checks neither.
   */
  strictSyntax?: boolean;
  /**
   * Buffers kept across records and files (e.g. every input of a create run). With it, each
   * yielded `seq` is a view into the scratch buffer, valid until the next record is requested, and
   * plain files are read into one reused buffer: reading allocates nothing per record or chunk.
   */
  scratch?: FastaScratch;
}

/**
 * Where the records' sequences are decoded instead of `FastaScratch.seq`: each record gets bytes
 * of its own there, so a caller that keeps the sequence needs no copy (and no buffer as long as
 * the longest record beside its copy). Calls for one record: open, grow any number of times, close.
 */
export interface SequenceStore {
  /** Space for a new record, at least `min` bytes. */
  open(min: number): Uint8Array;
  /** Larger space (at least `min` bytes) holding the first `used` bytes of `buf` (from open or grow). */
  grow(buf: Uint8Array, used: number, min: number): Uint8Array;
  /** The record is complete: its first `len` bytes of `buf` (from open or grow) are the caller's from now on. */
  close(buf: Uint8Array, len: number): Uint8Array;
}

/** Reusable buffers of {@link readFastaContigs} (the `scratch` option); use one per reader at a time. */
export class FastaScratch {
  /** Sequence codes of the current record (grows to the longest record); unused with a `store`. */
  seq = new Uint8Array(1 << 16);
  /** Read buffer of plain files. */
  chunk: Uint8Array | null = null;
  /** With a store, each yielded `seq` is what its close() returned, not a view into `seq`. */
  store: SequenceStore | null = null;
}

/** Space a record's sequence starts with. */
const FIRST_SEQ = 1 << 16;

/** The 16 letters a sequence may hold (upper case). */
export const IUPAC_LETTERS = 'ACGTNRYSWKMBDHVU';

/** Code of an --invalid-base letter; AgcInputError when it is not an IUPAC letter. */
export function invalidBaseCode(letter: string): number {
  const i = letter.length === 1 ? IUPAC_LETTERS.indexOf(letter.toUpperCase()) : -1;
  if (i < 0) throw new AgcInputError(`invalid base replacement '${letter}': must be one of the letters ${IUPAC_LETTERS}`);
  return i;
}

/** A name for messages: the header up to 60 characters. */
function shownName(header: Uint8Array): string {
  const s = Buffer.from(header)
    .toString('latin1')
    .replace(/[\x00-\x1f]/g, '?');
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The chunks of a plain file, read into `buf` (each chunk is valid until the next one is asked for). */
async function* readInto(path: string, buf: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  const fh = await open(fsPath(path), 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function openSource(
  path: string,
  chunk: number,
  scratch: FastaScratch | undefined,
): Promise<{ stream: AsyncIterable<Uint8Array> & { destroy(): void }; gzip: boolean }> {
  let gzip: boolean;
  try {
    gzip = await isGzipFile(path);
  } catch (e) {
    throw openError(path, e);
  }
  if (!gzip && scratch) {
    if (scratch.chunk === null || scratch.chunk.length !== chunk) scratch.chunk = new Uint8Array(chunk);
    const it = readInto(path, scratch.chunk);
    return { stream: Object.assign(it, { destroy: () => void it.return(undefined).catch(() => undefined) }), gzip };
  }
  const file = createReadStream(fsPath(path), { highWaterMark: chunk });
  if (!gzip) return { stream: file, gzip };
  // Node's gunzip continues across concatenated members (multi-member gzip / bgzip), as upstream does.
  const gunzip = createGunzip({ chunkSize: Math.max(chunk, 64) });
  pipeline(file, gunzip, () => {
    /* errors surface through the gunzip iterator */
  });
  return { stream: gunzip, gzip };
}

function openError(path: string, e: unknown): AgcInputError {
  const err = e as NodeJS.ErrnoException;
  const why = err?.code === 'ENOENT' ? 'no such file' : err?.code === 'EISDIR' ? 'is a directory' : String(err?.message ?? e);
  const out = new AgcInputError(`${path}: cannot open file (${why})`, { cause: e });
  return out;
}

// ignoreBOM keeps a leading U+FEFF in a name: upstream stores the header bytes verbatim.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Read the records of a FASTA file (plain or gzip, see {@link isGzipFile}) one at a time, with
 * upstream's rules: the header runs up to the first '\n' or '\r' and its first byte is dropped; the
 * body runs up to the next '>' or EOF; bytes < 64 are dropped, 64..127 converted to codes. A record
 * with an empty name or an empty raw body ends the file (nothing after it is read); a header
 * without a following line break at EOF yields nothing. A file with no records yields nothing.
 *
 * Only the current contig (plus I/O buffers) is held in memory; each yielded `seq` is a fresh array
 * (a view into `options.scratch`, when given).
 * Throws {@link FastaFormatError} (message starts with `path`) for a body byte >= 128 or a header
 * that is not valid UTF-8, and AgcInputError when the file cannot be opened or decompressed.
 */
export async function* readFastaContigs(path: string, options: FastaReadOptions = {}): AsyncGenerator<FastaContig, void, undefined> {
  const scratch = options.scratch;
  const { stream, gzip } = await openSource(path, options.chunkSize ?? READ_CHUNK, scratch);
  const table = BYTE_TO_CODE;
  const strict = options.emptyRecords === 'error';
  const strictSyntax = options.strictSyntax ?? false;
  const letters = options.invalidLetters ?? 'keep';
  // -2: keep upstream's codes, -1: error, >= 0: the replacement code
  const replacement = letters === 'keep' ? -2 : letters === 'error' ? -1 : invalidBaseCode(letters);
  let yielded = false;
  let recordNo = 1; // 1-based number of the record being read
  let started = false; // the first byte of the data was checked
  let letterPos = -1; // 1-based sequence position of the first non-IUPAC letter of this record
  let letterByte = 0;

  let header = new Uint8Array(256);
  let headerLen = 0;
  const store = scratch?.store ?? null;
  let seq: Uint8Array = store ? store.open(FIRST_SEQ) : (scratch?.seq ?? new Uint8Array(FIRST_SEQ));
  let seqLen = 0;
  const bodyState = new Float64Array(6);
  let rawLen = 0; // raw body bytes, newlines included: upstream's "non-empty body" test
  let inHeader = true;
  let badOffset = -1;
  let badByte = 0;
  let badLine = 0;
  let headerLine = 1;
  let line = 1; // current 1-based line (counted by '\n')
  let chunkStart = 0; // absolute offset of the current chunk

  const emptyRecord = (): FastaFormatError => {
    if (headerLen <= 1) return new FastaFormatError(`${path}: record at line ${headerLine} has an empty name`, path, -1, headerLine);
    let name: string;
    try {
      name = utf8.decode(header.subarray(1, headerLen));
    } catch {
      name = '?';
    }
    return new FastaFormatError(`${path}: record "${name}" has no sequence`, path, -1, headerLine);
  };

  // Returns the finished record, or null when upstream would stop reading the file here.
  // In strict mode an empty record at EOF of a file that yielded nothing is left to the caller
  // (e.g. a text file that is not FASTA at all: "no records" is the clearer message).
  const finish = (atEof: boolean): FastaContig | null => {
    if (headerLen <= 1 || rawLen === 0) {
      if (strict && (!atEof || yielded)) throw emptyRecord();
      return null;
    }
    if (letterPos >= 0) {
      const ch = letterByte >= 33 && letterByte < 127 ? `'${String.fromCharCode(letterByte)}'` : `byte 0x${letterByte.toString(16)}`;
      throw new FastaFormatError(
        `${path}: record ${recordNo} ("${shownName(header.subarray(1, headerLen))}"): ${ch} at position ${letterPos} is not a nucleotide (IUPAC) letter; use --invalid-base <letter> (API: invalidBase) to replace such letters`,
        path,
        -1,
        headerLine,
      );
    }
    if (badOffset >= 0) {
      throw new FastaFormatError(
        `${path}: byte 0x${badByte.toString(16).toUpperCase().padStart(2, '0')} at line ${badLine} (offset ${badOffset}${gzip ? ' of the decompressed data' : ''}) is not a valid sequence symbol`,
        path,
        badOffset,
        badLine,
      );
    }
    const rawName = bytesToBinary(header.subarray(1, headerLen));
    return { name: decodeName(rawName), rawName, seq: store ? store.close(seq, seqLen) : scratch ? seq.subarray(0, seqLen) : seq.slice(0, seqLen) };
  };

  try {
    for await (const raw of stream) {
      const chunk = raw as Uint8Array;
      const n = chunk.length;
      let p = 0;
      while (p < n) {
        if (inHeader) {
          if (!started) {
            started = true;
            if (strictSyntax && chunk[p] !== 0x3e) {
              const bom = chunk[p] === 0xef && chunk[p + 1] === 0xbb && chunk[p + 2] === 0xbf;
              throw new FastaFormatError(
                bom
                  ? `${path}: the file starts with a UTF-8 byte order mark (BOM); remove it (FASTA must start with a '>' header line)`
                  : `${path}: not a FASTA file: it does not start with a '>' header line`,
                path,
                0,
                1,
              );
            }
          }
          let e = p;
          while (e < n) {
            const c = chunk[e]!;
            if (c === 10 || c === 13) break;
            e++;
          }
          const add = e - p;
          if (headerLen + add > header.length) {
            const bigger = new Uint8Array(Math.max(header.length * 2, headerLen + add));
            bigger.set(header.subarray(0, headerLen));
            header = bigger;
          }
          header.set(chunk.subarray(p, e), headerLen);
          if (strictSyntax && add > 0 && chunk.subarray(p, e).indexOf(0) >= 0)
            throw new FastaFormatError(`${path}: header of record ${recordNo} at line ${headerLine} contains a NUL byte`, path, -1, headerLine);
          headerLen += add;
          if (e === n) {
            p = n;
            break;
          }
          if (chunk[e] === 10) line++;
          p = e + 1;
          inHeader = false;
          rawLen = 0;
          seqLen = 0;
          badOffset = -1;
          letterPos = -1;
          continue;
        }
        // Body: everything up to the next '>' (which starts the next header).
        let e = chunk.indexOf(0x3e, p);
        if (e < 0) e = n;
        const add = e - p;
        rawLen += add;
        if (seqLen + add > seq.length) {
          if (store) seq = store.grow(seq, seqLen, Math.max(seq.length * 2, seqLen + add));
          else {
            const bigger = new Uint8Array(Math.max(seq.length * 2, seqLen + add));
            bigger.set(seq.subarray(0, seqLen));
            seq = bigger;
            if (scratch) scratch.seq = bigger;
          }
        }
        // The per-byte conversion is native (it is the reader's whole cost); see fastaConvertBody.
        const st = bodyState;
        st[0] = seqLen;
        st[1] = 0;
        st[2] = badOffset < 0 ? -1 : 0;
        st[4] = letterPos;
        native.fastaConvertBody(chunk, p, e, table, SYMBOL_INVALID, replacement, seq, st);
        if (badOffset < 0 && st[2] >= 0) {
          const at = st[2];
          badOffset = chunkStart + at;
          badByte = st[3]!;
          badLine = line;
          for (let i = p; i < at; i++) if (chunk[i] === 10) badLine++;
        }
        if (letterPos < 0 && st[4]! >= 0) {
          letterPos = st[4]!;
          letterByte = st[5]!;
        }
        line += st[1]!;
        seqLen = st[0]!;
        p = e;
        if (e < n) {
          const rec = finish(false);
          if (rec === null) return;
          yielded = true;
          yield rec;
          if (store) seq = store.open(FIRST_SEQ);
          inHeader = true;
          headerLen = 0;
          headerLine = line;
          recordNo++;
        }
      }
      chunkStart += n;
    }
  } catch (e) {
    if (e instanceof FastaFormatError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.code.startsWith('Z_')) {
      throw new AgcInputError(`${path}: gzip data is corrupt (${err.message})`, { cause: e });
    }
    if (err && typeof err.code === 'string' && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')) {
      throw openError(path, e);
    }
    throw e;
  } finally {
    stream.destroy();
  }
  if (!inHeader) {
    const rec = finish(true);
    if (rec !== null) yield rec;
  } else if (strict && headerLen > 0 && yielded) {
    // A header at EOF without a line break: upstream drops it.
    throw emptyRecord();
  }
}

/**
 * C++17 `std::filesystem::path(p).stem()` on POSIX: the last component without its last extension;
 * a leading dot alone is not an extension; "." and ".." are kept; a trailing '/' gives "".
 */
export function pathStem(p: string): string {
  const fname = p.slice(p.lastIndexOf('/') + 1);
  if (fname === '.' || fname === '..') return fname;
  const dot = fname.lastIndexOf('.');
  return dot <= 0 ? fname : fname.slice(0, dot);
}

const COMMON_SUFFIXES = ['.fna', '.gz', '.fa', '.fasta'];

/** Upstream's remove_common_suffixes: strip .fna/.gz/.fa/.fasta repeatedly, only from longer names. */
export function removeCommonSuffixes(name: string): string {
  for (;;) {
    let removed = false;
    for (const suf of COMMON_SUFFIXES) {
      if (name.length > suf.length && name.endsWith(suf)) {
        name = name.slice(0, name.length - suf.length);
        removed = true;
        break;
      }
    }
    if (!removed) return name;
  }
}

/** Sample name of an input file (docs/format.md 7.1): e.g. "dir/HG002.fa.gz" -> "HG002". */
export function sampleNameFromPath(path: string): string {
  return removeCommonSuffixes(pathStem(path));
}
