// One error model end to end: classes and codes from lib/errors.ts, coded errors from the addon
// mapped to those classes, and errors that cross worker_threads keeping class and code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AgcAbortError,
  AgcAmbiguousNameError,
  AgcCorruptError,
  AgcError,
  AgcErrorCode,
  AgcInputError,
  deserializeError,
  serializeError,
} from '../lib/errors.js';
import { CppArchive } from '../lib/native/cpp-archive.js';
import { zstdCompress, zstdDecompress } from '../lib/native/zstd.js';
import { native } from '../lib/native/load.js';
import { LzDiffError } from '../lib/format/lz-diff-decode.js';
import { SegmentDecodeError } from '../lib/format/segment-decode.js';
import { archivePath, cases } from './shared-data.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-errors-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const small = cases.reduce((a, b) => (fs.statSync(archivePath(a)).size <= fs.statSync(archivePath(b)).size ? a : b));

describe('serializeError / deserializeError', () => {
  it('rebuild every class with its code, message and stack', () => {
    const errors: Error[] = [
      new AgcInputError('bad -k'),
      new AgcCorruptError('x.agc: truncated'),
      new AgcAmbiguousNameError('chr1 is in 2 samples', ['a', 'b']),
      new AgcAbortError(),
      new AgcError(AgcErrorCode.IO, 'disk full'),
      new AgcError(AgcErrorCode.CLOSED, 'closed'),
    ];
    for (const e of errors) {
      const back = deserializeError(structuredClone(serializeError(e)));
      expect(back.constructor).toBe(e.constructor);
      expect(back).toMatchObject({ code: (e as AgcError).code, message: e.message });
      expect(back.stack).toBe(e.stack);
    }
    expect((deserializeError(serializeError(errors[2])) as AgcAmbiguousNameError).samples).toEqual(['a', 'b']);
    const plain = deserializeError(serializeError(Object.assign(new Error('EPIPE'), { code: 'EPIPE' })));
    expect(plain).not.toBeInstanceOf(AgcError);
    expect(plain).toMatchObject({ message: 'EPIPE', code: 'EPIPE' });
  });

  it('format decoder errors are corrupt-archive errors', () => {
    expect(new LzDiffError('x')).toBeInstanceOf(AgcCorruptError);
    expect(new SegmentDecodeError('x')).toMatchObject({ code: 'AGC_CORRUPT' });
  });

  it('an input error thrown in a worker thread arrives as AgcInputError', async () => {
    // The same messages the store workers and extraction workers send (see lib/write/workers).
    const errorsUrl = new URL('../lib/errors.ts', import.meta.url).href;
    const loader = new URL('./helpers/ts-worker-loader.mjs', import.meta.url).href;
    const code = `
      import('node:module').then(async (m) => {
        m.register(${JSON.stringify(loader)});
        const { AgcInputError, serializeError } = await import(${JSON.stringify(errorsUrl)});
        const { parentPort } = await import('node:worker_threads');
        parentPort.postMessage({ type: 'error', error: serializeError(new AgcInputError('in.fa: line 3 is not FASTA')) });
      });`;
    const w = new Worker(code, { eval: true });
    const m = await new Promise<{ error: Parameters<typeof deserializeError>[0] }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    const e = deserializeError(m.error);
    expect(e).toBeInstanceOf(AgcInputError);
    expect(e).toMatchObject({ code: 'AGC_INPUT', message: 'in.fa: line 3 is not FASTA' });
  });
});

describe('coded errors from the addon', () => {
  it('the bridge puts a code on every error it throws', () => {
    expect(() => native.zstdCompress(new Uint8Array(4), 0)).toThrow(expect.objectContaining({ code: 'AGC_INPUT' }) as unknown as Error);
    expect(() => native.zstdDecompress(new Uint8Array(8), 10)).toThrow(expect.objectContaining({ code: 'AGC_CORRUPT' }) as unknown as Error);
    expect(() => new native.Archive(path.join(tmp, 'missing.agc'), 'r')).toThrow(expect.objectContaining({ code: 'AGC_INPUT' }) as unknown as Error);
    const a = new native.Archive(archivePath(small), 'r');
    a.close();
    expect(() => a.getNumStreams()).toThrow(expect.objectContaining({ code: 'AGC_CLOSED' }) as unknown as Error);
  });

  it('the TypeScript wrappers turn the codes into classes', () => {
    expect(() => zstdDecompress(new Uint8Array(8), 10)).toThrow(AgcCorruptError);
    const noise = path.join(tmp, 'noise.agc');
    fs.writeFileSync(noise, Buffer.alloc(3000, 7));
    expect(() => CppArchive.open(noise)).toThrow(AgcCorruptError);
    expect(() => CppArchive.open(path.join(tmp, 'missing.agc'))).toThrow(AgcInputError);
    expect(() => CppArchive.open(tmp)).toThrow(AgcInputError);
    const a = CppArchive.open(archivePath(small));
    a.close();
    let closed: unknown;
    try {
      void a.numStreams;
    } catch (e) {
      closed = e;
    }
    expect(closed).toBeInstanceOf(AgcError);
    expect(closed).toMatchObject({ code: 'AGC_CLOSED' });
    expect(Array.from(zstdDecompress(zstdCompress(new Uint8Array(10), 3), 10))).toEqual(Array(10).fill(0));
  });
});
