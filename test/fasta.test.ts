// FASTA record rules (docs/format.md 7.1) on handmade files and on the shared inputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { codesToString } from '../lib/format/alphabet.js';
import { FastaFormatError, FastaScratch, isGzipFile, pathStem, readFastaContigs, sampleNameFromPath } from '../lib/fasta/read-fasta.js';
import { AgcInputError } from '../lib/errors.js';
import { SharedArena } from '../lib/write/workers/shared-arena.js';
import { datasetDir } from './shared-data.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-fasta-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
function write(content: string | Uint8Array, name = `f${fileNo++}.fa`): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  return p;
}

async function readAll(p: string, chunkSize?: number): Promise<{ name: string; seq: string }[]> {
  const out: { name: string; seq: string }[] = [];
  for await (const c of readFastaContigs(p, { chunkSize })) out.push({ name: c.name, seq: codesToString(c.seq) });
  return out;
}

/** Straightforward re-statement of upstream's parser on a whole buffer (for cross-checking chunking). */
function naiveParse(b: Buffer): { name: string; seq: string }[] {
  const out: { name: string; seq: string }[] = [];
  let p = 0;
  for (;;) {
    let e = p;
    while (e < b.length && b[e] !== 10 && b[e] !== 13) e++;
    if (e === b.length) return out;
    const header = b.subarray(p, e);
    p = e + 1;
    let q = b.indexOf(0x3e, p);
    if (q < 0) q = b.length;
    const body = b.subarray(p, q);
    p = q;
    if (header.length <= 1 || body.length === 0) return out;
    let s = '';
    for (const c of body) if (c >= 64) s += 'ACGTNRYSWKMBDHVU'['acgtnryswkmbdhvu'.indexOf(String.fromCharCode(c).toLowerCase())] ?? ' ';
    out.push({ name: header.subarray(1).toString('utf8'), seq: s });
  }
}

describe('readFastaContigs: record rules', () => {
  it('reads names verbatim and converts bodies', async () => {
    const p = write('>chr1 some description\tx\nACGTN\nacgtn\n>chr2\nRYK-*.12\n');
    expect(await readAll(p)).toEqual([
      { name: 'chr1 some description\tx', seq: 'ACGTNACGTN' },
      { name: 'chr2', seq: 'RYK' },
    ]);
  });

  it('handles CRLF files: an "empty" record still yields a contig of length 0', async () => {
    expect(await readAll(write('>a\r\nAC\r\nGT\r\n>b\r\nTT\r\n'))).toEqual([
      { name: 'a', seq: 'ACGT' },
      { name: 'b', seq: 'TT' },
    ]);
    expect(await readAll(write('>a\r\n>b\r\nAC'))).toEqual([
      { name: 'a', seq: '' },
      { name: 'b', seq: 'AC' },
    ]);
  });

  it('stops the whole file at a record with an empty raw body', async () => {
    expect(await readAll(write('>a\n>b\nACGT\n'))).toEqual([]);
    expect(await readAll(write('>a\nAC\n>b\n>c\nGG\n'))).toEqual([{ name: 'a', seq: 'AC' }]);
  });

  it('stops at a header line ">" alone (empty name)', async () => {
    expect(await readAll(write('>a\nAC\n>\nGG\n>c\nTT\n'))).toEqual([{ name: 'a', seq: 'AC' }]);
  });

  it('yields nothing for a header without a line break at EOF, or a header with nothing after it', async () => {
    expect(await readAll(write('>a\nAC\n>b'))).toEqual([{ name: 'a', seq: 'AC' }]);
    expect(await readAll(write('>a\nAC\n>b\n'))).toEqual([{ name: 'a', seq: 'AC' }]);
    expect(await readAll(write(''))).toEqual([]);
    expect(await readAll(write('>only-header'))).toEqual([]);
  });

  it("emptyRecords: 'error' rejects what upstream would silently drop, naming the file and record", async () => {
    const strict = async (content: string): Promise<string[]> => {
      const p = write(content);
      const names: string[] = [];
      for await (const c of readFastaContigs(p, { emptyRecords: 'error', chunkSize: 3 })) names.push(c.name);
      return names;
    };
    const rejects = async (content: string, msg: RegExp) => {
      const err = await strict(content).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FastaFormatError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message.startsWith(tmp)).toBe(true);
    };
    await rejects('>a\nAC\n>b\n>c\nAC', /: record "b" has no sequence$/);
    await rejects('>a\n>b\nACGT\n', /: record "a" has no sequence$/);
    await rejects('>a\nAC\n>b\n', /: record "b" has no sequence$/);
    await rejects('>a\nAC\n>b', /: record "b" has no sequence$/);
    await rejects('>a\nAC\n>\nGG\n', /: record at line 3 has an empty name$/);
    // Well-formed input reads as in the default mode; an empty body with a line break is a record.
    expect(await strict('>a\nAC\n>b\nGG\n')).toEqual(['a', 'b']);
    expect(await strict('>a\n\n>b\nGG')).toEqual(['a', 'b']);
    expect(await strict('')).toEqual([]);
  });

  it('a ">" inside sequence data starts a new record', async () => {
    expect(await readAll(write('>a\nAC>b\nGG'))).toEqual([
      { name: 'a', seq: 'AC' },
      { name: 'b', seq: 'GG' },
    ]);
  });

  it('drops the first header byte whatever it is, and a body without symbols gives length 0', async () => {
    expect(await readAll(write('xname\nAC\n'))).toEqual([{ name: 'name', seq: 'AC' }]);
    expect(await readAll(write('>a\n123\n>b\nC'))).toEqual([
      { name: 'a', seq: '' },
      { name: 'b', seq: 'C' },
    ]);
  });

  it('maps @ ` and other letters as upstream (30/32 print as spaces)', async () => {
    const recs: number[][] = [];
    for await (const r of readFastaContigs(write('>a\nAx@`Z\n'))) recs.push(Array.from(r.seq));
    expect(recs).toEqual([[0, 30, 32, 32, 30]]);
  });

  it('decodes UTF-8 headers; other bytes one char per byte, kept exactly in rawName', async () => {
    expect(await readAll(write(Buffer.from('>\u00e9chantillon \u4e2d\nAC\n', 'utf8')))).toEqual([{ name: '\u00e9chantillon \u4e2d', seq: 'AC' }]);
    // a byte-order mark right after '>' is part of the name, as upstream keeps the bytes verbatim
    expect(await readAll(write(Buffer.from('>\ufeffbom\nAC\n', 'utf8')))).toEqual([{ name: '\ufeffbom', seq: 'AC' }]);
    const p = write(Uint8Array.from([0x3e, 0x61, 0xff, 0xe9, 0x0a, 0x41]));
    expect(await readAll(p)).toEqual([{ name: 'a\u00ff\u00e9', seq: 'A' }]);
    for await (const c of readFastaContigs(p)) expect(Buffer.from(c.rawName, 'latin1')).toEqual(Buffer.from([0x61, 0xff, 0xe9]));
    for await (const c of readFastaContigs(write(Buffer.from('>\u00e9\nAC\n', 'utf8')))) expect(c.rawName).toBe('\u00c3\u00a9');
  });

  it('rejects body bytes >= 128 with file, byte, line and offset', async () => {
    const p = write(Buffer.concat([Buffer.from('>a\nACGT\n>b\nAC\nG'), Buffer.from([0xc3, 0xa9]), Buffer.from('T\n')]));
    const err = await readAll(p).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FastaFormatError);
    expect(err).toBeInstanceOf(AgcInputError);
    const fe = err as FastaFormatError;
    expect(fe.message).toBe(`${p}: byte 0xC3 at line 5 (offset 15) is not a valid sequence symbol`);
    expect(fe.offset).toBe(15);
    expect(fe.line).toBe(5);
    expect(fe.path).toBe(p);
    // Offsets and lines are absolute, whatever the chunking.
    await expect(readAll(p, 3)).rejects.toThrow(`${p}: byte 0xC3 at line 5 (offset 15) is not a valid sequence symbol`);
  });

  it('does not complain about bad bytes in a record that ends the file', async () => {
    const p = write(Buffer.concat([Buffer.from('>a\nAC\n>\n'), Buffer.from([0xc3]), Buffer.from('\n')]));
    expect(await readAll(p)).toEqual([{ name: 'a', seq: 'AC' }]);
  });

  it('reports a missing file as AgcInputError naming it', async () => {
    const p = path.join(tmp, 'missing.fa');
    await expect(readAll(p)).rejects.toThrow(AgcInputError);
    await expect(readAll(p)).rejects.toThrow(`${p}: cannot open file (no such file)`);
  });

  it('matches a whole-buffer parse across 1 MiB chunk boundaries (headers and bodies split)', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const parts: string[] = [];
    let size = 0;
    for (let r = 0; size < 2_500_000; r++) {
      const header = `>rec${r} ${'h'.repeat(rnd(3000))}${rnd(5) === 0 ? '\r' : ''}\n`;
      let body = '';
      const len = rnd(4000);
      for (let i = 0; i < len; i++) body += i % 61 === 60 ? '\n' : 'ACGTNacgtRY-'[rnd(12)];
      parts.push(header, body, '\n');
      size += header.length + body.length + 1;
    }
    const text = parts.join('');
    const p = write(text);
    const expected = naiveParse(Buffer.from(text, 'latin1'));
    expect(expected.length).toBeGreaterThan(500);
    const got = await readAll(p);
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
  });

  it('gives the same records for any chunk size (every split point of a small file)', async () => {
    const text = '>a b\r\nAC\nGT\r\n>c\n\n>d\nNNN>e\nA\n>\nTT';
    const p = write(text);
    const expected = naiveParse(Buffer.from(text, 'latin1'));
    expect(expected.map((r) => r.name)).toEqual(['a b', 'c', 'd', 'e']);
    for (const size of [1, 2, 3, 5, 7, 11, 64]) expect(await readAll(p, size)).toEqual(expected);
  });
});

describe('readFastaContigs with a scratch buffer', () => {
  it('yields the same records as views into one buffer kept across files; plain and gzip', async () => {
    const big = 'ACGT'.repeat(50_000);
    const text = `>one\nAC\nGT\n>two x\n${big}\n>three\nNNA\n`;
    const plain = write(text);
    const gz = write(zlib.gzipSync(Buffer.from(text)), 'scratch.fa.gz');
    const expected = naiveParse(Buffer.from(text, 'latin1'));
    const scratch = new FastaScratch();
    for (const [p, chunkSize] of [
      [plain, 7],
      [gz, 1000],
      [plain, undefined],
    ] as const) {
      const got: { name: string; seq: string }[] = [];
      for await (const c of readFastaContigs(p, { chunkSize, scratch })) {
        expect(c.seq.buffer).toBe(scratch.seq.buffer); // a view, not a copy
        got.push({ name: c.name, seq: codesToString(c.seq) });
      }
      expect(got).toEqual(expected);
    }
    expect(scratch.seq.length).toBeGreaterThanOrEqual(200_000);
    expect(scratch.chunk).not.toBeNull();
  });

  it("with a store (the compressor's shared arena), decodes each record into bytes of its own there", async () => {
    // records of 3 bp, 17 MiB (more than an arena chunk: grown into a bigger chunk), 200 kbp
    const huge = 'ACGTN'.repeat(17 << 18);
    const mid = 'TTGCA'.repeat(40_000);
    const bigFile = write(`>s\nACG\n>big\n${huge}\n>mid\n${mid}\n`);
    const smallText = `>s\nACG\n>mid\n${mid}\n>t\nNA\n`;
    const gz = write(zlib.gzipSync(Buffer.from(smallText)), 'store.fa.gz');
    const read = async (p: string, arena: SharedArena) => {
      const scratch = new FastaScratch();
      scratch.store = arena;
      const got: Uint8Array[] = [];
      for await (const c of readFastaContigs(p, { chunkSize: 1 << 20, scratch })) got.push(c.seq);
      for (const s of got) expect(s.buffer).toBeInstanceOf(SharedArrayBuffer);
      return got;
    };
    const small = await read(gz, new SharedArena());
    expect(small.map((s) => codesToString(s))).toEqual(['ACG', mid, 'NA']);
    expect(small.map((s) => s.byteOffset)).toEqual([0, 3, 3 + mid.length]);

    const arena = new SharedArena();
    const got = await read(bigFile, arena);
    expect(got.map((s) => s.length)).toEqual([3, huge.length, mid.length]);
    expect(codesToString(got[0]!)).toBe('ACG');
    // the big record whole (compared as codes: A C G T N = 0 1 2 3 4)
    const codes = Buffer.from(Uint8Array.from({ length: huge.length }, (_, i) => i % 5));
    expect(Buffer.compare(Buffer.from(got[1]!.buffer, got[1]!.byteOffset, got[1]!.length), codes)).toBe(0);
    // it outgrew the first chunk, which holds the 3 bp record: it moved on to a bigger chunk,
    // where the next record follows it
    expect(got[1]!.buffer).not.toBe(got[0]!.buffer);
    expect(got[1]!.byteOffset).toBe(0);
    expect(got[2]!.buffer).toBe(got[1]!.buffer);
    expect(got[2]!.byteOffset).toBe(huge.length);
    // later allocations do not overwrite the records
    arena.alloc(1000).fill(9);
    expect(codesToString(got[2]!)).toBe(mid);
  });

  it('shared arena: open space for a record of unknown length, grown and closed', () => {
    // a record that outgrows an otherwise empty chunk replaces it rather than leaving it resident
    const arena = new SharedArena();
    const first = arena.open(1);
    const grown = arena.grow(first, 2, (16 << 20) + 1);
    expect(arena.capacity).toBe((16 << 20) + 1);
    expect(arena.close(grown, 5).byteOffset).toBe(0);
    // an allocation between open and close is an internal error, not a silent overlap
    const open = arena.open(10);
    arena.alloc(4);
    expect(() => arena.close(open, 3)).toThrow(/open space moved/);
  });

  it('reports a missing file and a directory as AgcInputError naming them', async () => {
    const scratch = new FastaScratch();
    const read = async (p: string) => {
      for await (const c of readFastaContigs(p, { scratch })) void c;
    };
    const missing = path.join(tmp, 'missing-scratch.fa');
    await expect(read(missing)).rejects.toThrow(`${missing}: cannot open file (no such file)`);
    await expect(read(tmp)).rejects.toThrow(`${tmp}: cannot open file (is a directory)`);
  });
});

describe('gzip input', () => {
  const fa = '>x\nACGT\nNN\n>y\nGGCC\n';

  it('reads .gz files, including multi-member gzip', async () => {
    const one = write(zlib.gzipSync(Buffer.from(fa)), 'one.fa.gz');
    expect(await isGzipFile(one)).toBe(true);
    expect(await readAll(one)).toEqual([
      { name: 'x', seq: 'ACGTNN' },
      { name: 'y', seq: 'GGCC' },
    ]);
    const multi = write(Buffer.concat([zlib.gzipSync(Buffer.from('>x\nAC')), zlib.gzipSync(Buffer.from('GT\n>y\nTT\n'))]), 'multi.fa.gz');
    expect(await readAll(multi)).toEqual([
      { name: 'x', seq: 'ACGT' },
      { name: 'y', seq: 'TT' },
    ]);
  });

  it('reads a plain file named .gz as plain text, and gzip data without .gz as bytes', async () => {
    const plainGz = write(fa, 'plain.fa.gz');
    expect(await isGzipFile(plainGz)).toBe(false);
    expect((await readAll(plainGz)).map((r) => r.name)).toEqual(['x', 'y']);
    const gzNoSuffix = write(zlib.gzipSync(Buffer.from(fa)), 'zipped.fa');
    expect(await isGzipFile(gzNoSuffix)).toBe(false);
    // Parsed as garbage: whatever happens, the records inside are not seen.
    const got = await readAll(gzNoSuffix).catch((e: unknown) => (e instanceof AgcInputError ? [] : Promise.reject(e as Error)));
    expect(got.map((r) => r.name)).not.toContain('x');
  });

  it('reports corrupt gzip data naming the file', async () => {
    const good = zlib.gzipSync(Buffer.from(fa.repeat(50)));
    const bad = Buffer.from(good);
    bad.fill(0x55, 12, bad.length - 8);
    const p = write(bad, 'corrupt.fa.gz');
    await expect(readAll(p)).rejects.toThrow(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: gzip data is corrupt`));
  });

  it('gives the same contigs for the shared plain and gzip inputs', async () => {
    const dir = datasetDir('mers-tiny');
    const plain = await readAll(path.join(dir, 'EMC_2012.fa'));
    const gz = await readAll(path.join(dir, 'gz', 'EMC_2012.fa.gz'));
    expect(gz).toEqual(plain);
    // Against the source text: one record, the whole header line, every non-newline byte a symbol.
    const text = fs.readFileSync(path.join(dir, 'EMC_2012.fa'), 'latin1');
    const lines = text.split('\n');
    expect(plain.length).toBe(1);
    expect(plain[0]!.name).toBe(lines[0]!.slice(1).replace(/\r$/, ''));
    expect(plain[0]!.seq).toBe(lines.slice(1).join('').replace(/\r/g, '').toUpperCase());
    expect(plain[0]!.seq.length).toBe(30119);
  });
});

describe('sample names', () => {
  it('follows std::filesystem::path::stem', () => {
    expect(pathStem('dir/HG002.fa.gz')).toBe('HG002.fa');
    expect(pathStem('/a/b/.bashrc')).toBe('.bashrc');
    expect(pathStem('.hidden.fa')).toBe('.hidden');
    expect(pathStem('x/..')).toBe('..');
    expect(pathStem('.')).toBe('.');
    expect(pathStem('dir/')).toBe('');
    expect(pathStem('noext')).toBe('noext');
    expect(pathStem('a..fa')).toBe('a.');
  });

  it('strips .fna/.gz/.fa/.fasta repeatedly, only from longer names', () => {
    expect(sampleNameFromPath('dir/HG002.fa.gz')).toBe('HG002');
    expect(sampleNameFromPath('EMC_2012.fa')).toBe('EMC_2012');
    expect(sampleNameFromPath('x.fasta.gz')).toBe('x');
    expect(sampleNameFromPath('a.fna.gz.fa')).toBe('a');
    expect(sampleNameFromPath('x.gz.gz')).toBe('x');
    expect(sampleNameFromPath('s.fa.fa.fa')).toBe('s');
    expect(sampleNameFromPath('.fa')).toBe('.fa');
    expect(sampleNameFromPath('.fa.fa')).toBe('.fa');
    expect(sampleNameFromPath('foo.tar.gz')).toBe('foo.tar');
    expect(sampleNameFromPath('sample.FA')).toBe('sample');
    expect(sampleNameFromPath('x.FA.gz')).toBe('x.FA');
    expect(sampleNameFromPath('a..fa')).toBe('a.');
  });
});
