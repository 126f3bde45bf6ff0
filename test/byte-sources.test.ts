// One archive, every byte source: the native path, a URL over HTTP with range requests (string
// and URL object), bytes, a Blob, generic-filehandle2's LocalFile, all through
// AgcArchive.open, must give the same samples, contigs and sequences, for an upstream archive
// and one written by agc-node. Also: HttpFile's failure handling, and the cost of a 4 kb query.
import './helpers/compress-env.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgcArchive, BlobFile, LocalFile, RemoteAgcArchive, createArchive, isAgcError } from '../lib/index.js';
import type { AgcReader } from '../lib/web/reader-api.js';
import { HttpFile } from '../lib/io/http-file.js';
import type { ByteSource } from '../lib/io/byte-source.js';
import { startRangeServer, type RangeServer } from '../scripts/range-server.mjs';
import { caseDir, dataDir } from './shared-data.js';

const upstream = path.join(caseDir('mers-tiny-default'), 'archive.agc');
const kleb = path.join(caseDir('klebsiella-8-default'), 'archive.agc');
let ours: string;
let tmp: string;
let server: RangeServer;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-web-'));
  ours = path.join(tmp, 'ours.agc');
  const d = path.join(dataDir, 'mers-tiny');
  const files = fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.fa'))
    .sort()
    .map((f) => path.join(d, f));
  // Batches of 2 samples: several collection parts.
  await createArchive({ output: ours, reference: files[0], samples: files.slice(1), batchSize: 2, threads: 1 });
  server = await startRangeServer({ files: { '/upstream.agc': upstream, '/ours.agc': ours, '/kleb.agc': kleb } });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function dump(a: AgcReader): Promise<string[]> {
  const out: string[] = [];
  for (const s of await a.samples()) {
    for (const c of (await a.contigs(s)) ?? []) {
      const seq = (await a.getSequence({ sample: s, contig: c }))!;
      const len = (await a.contigLength(s, c))!;
      out.push(`${s}\t${c}\t${len}\t${seq}`, `${(await a.getSequence({ sample: s, contig: c, start: Math.floor(len / 3), end: Math.floor(len / 3) + 777 }))!}`);
    }
  }
  return out;
}

describe.each([
  ['upstream', () => upstream, '/upstream.agc'],
  ['agc-node', () => ours, '/ours.agc'],
])('%s archive through every byte source', (_label, file, urlPath) => {
  test('same samples, contigs and sequences', async () => {
    const native = await AgcArchive.open(file());
    const want = await dump(native);
    native.close();
    expect(want.length).toBeGreaterThan(10);
    const bytes = fs.readFileSync(file());
    const sources: [string, () => Promise<AgcReader>][] = [
      ['URL string', () => AgcArchive.open(`${server.url}${urlPath}` as `http://${string}`)],
      ['URL object', () => AgcArchive.open(new URL(urlPath, server.url))],
      ['Uint8Array', () => AgcArchive.open(new Uint8Array(bytes))],
      ['Blob', () => AgcArchive.open(new Blob([bytes]))],
      ['BlobFile', () => AgcArchive.open(new BlobFile(new Blob([bytes])))],
      ['LocalFile', () => AgcArchive.open(new LocalFile(file()))],
      [
        'generic-filehandle v1 style',
        () =>
          AgcArchive.open({
            // read(buffer, offset, length, position) -> { bytesRead, buffer }
            read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
              const n = Math.max(0, Math.min(length, bytes.length - position));
              buffer.set(bytes.subarray(position, position + n), offset);
              return { bytesRead: n, buffer };
            },
            stat: async () => ({ size: bytes.length }),
          } as unknown as ByteSource),
      ],
      ['fzstd over HTTP', () => RemoteAgcArchive.open(`${server.url}${urlPath}`)],
    ];
    for (const [name, open] of sources) {
      const a = await open();
      expect(a, name).toBeInstanceOf(RemoteAgcArchive);
      expect(await dump(a), name).toEqual(want);
      a.close();
    }
  });
});

describe('HttpFile failures', () => {
  test('a server that ignores Range gives AGC_IO and does not download the archive', async () => {
    const s = await startRangeServer({ files: { '/kleb.agc': kleb }, ignoreRange: true });
    try {
      const err = await AgcArchive.open(`${s.url}/kleb.agc` as `http://${string}`).catch((e: unknown) => e);
      expect(isAgcError(err) && err.code).toBe('AGC_IO');
      expect((err as Error).message).toMatch(/kleb\.agc: the server ignored the Range header/);
    } finally {
      await s.close();
    }
  });

  test('headers go with every request, the tail request of stat() included', async () => {
    const seen: (string | null)[] = [];
    const f = new HttpFile(`${server.url}/kleb.agc`, {
      headers: { authorization: 'Bearer t' },
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get('authorization'));
        return fetch(input, init);
      },
    });
    const a = await RemoteAgcArchive.open(f);
    expect(await a.getSequence({ contig: 'CP003200.1', start: 100_000, end: 100_010 })).toMatch(/^[ACGT]{10}$/);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((h) => h === 'Bearer t')).toBe(true);
  });

  test('a server without suffix ranges works through first-last ranges', async () => {
    const s = await startRangeServer({ files: { '/kleb.agc': kleb }, ignoreSuffix: true });
    try {
      const f = new HttpFile(`${s.url}/kleb.agc`);
      const a = await RemoteAgcArchive.open(f);
      expect(await a.getSequence({ contig: 'CP003200.1', start: 100_000, end: 100_010 })).toMatch(/^[ACGT]{10}$/);
      expect(f.stats.bytes).toBeLessThan(1 << 20);
    } finally {
      await s.close();
    }
  });

  test('transient 503s are retried', async () => {
    const s = await startRangeServer({ files: { '/a.agc': upstream }, failFirst: 2 });
    try {
      const f = new HttpFile(`${s.url}/a.agc`, { retryDelayMs: 5 });
      const a = await RemoteAgcArchive.open(f);
      expect((await a.samples()).length).toBe(6);
      expect(f.stats.requests).toBe(3);
    } finally {
      await s.close();
    }
  });

  test('404 and an unreachable server give AGC_IO naming the URL', async () => {
    const e404 = await RemoteAgcArchive.open(`${server.url}/missing.agc`).catch((e: unknown) => e);
    expect(isAgcError(e404) && e404.code).toBe('AGC_IO');
    expect((e404 as Error).message).toMatch(/missing\.agc.*HTTP 404/);
    const s = await startRangeServer({});
    const dead = `${s.url}/a.agc`;
    await s.close();
    const eDead = await RemoteAgcArchive.open(dead, { http: { retries: 1, retryDelayMs: 5 } }).catch((e: unknown) => e);
    expect(isAgcError(eDead) && eDead.code).toBe('AGC_IO');
    expect((eDead as Error).message).toContain(dead);
  });
});

test('a random 4 kb range of klebsiella-8 costs at most 3 requests and 256 KB after open', async () => {
  const native = await AgcArchive.open(kleb);
  let seed = 7;
  const rnd = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) * n);
  const samples = await native.samples();
  let worstReq = 0;
  let worstBytes = 0;
  for (let i = 0; i < 24; i++) {
    const f = new HttpFile(`${server.url}/kleb.agc`);
    const a = await RemoteAgcArchive.open(f);
    const s = samples[rnd(samples.length)];
    const names = (await native.contigs(s))!;
    const c = names[rnd(names.length)];
    const len = (await native.contigLength(s, c))!;
    const start = rnd(Math.max(1, len - 4000));
    const before = { ...f.stats };
    const got = await a.getSequence({ sample: s, contig: c, start, end: start + 4000 });
    worstReq = Math.max(worstReq, f.stats.requests - before.requests);
    worstBytes = Math.max(worstBytes, f.stats.bytes - before.bytes);
    expect(got).toBe(await native.getSequence({ sample: s, contig: c, start, end: start + 4000 }));
    a.close();
  }
  native.close();
  expect(worstReq).toBeLessThanOrEqual(3);
  expect(worstBytes).toBeLessThanOrEqual(256 << 10);
});

test('concurrent queries on one archive with a tiny fetch cache', async () => {
  const native = await AgcArchive.open(kleb);
  const a = await RemoteAgcArchive.open(`${server.url}/kleb.agc`, { fetchCacheBytes: 1, cacheBytes: 0 });
  const samples = await native.samples();
  const queries = samples.flatMap((s, i) =>
    [0, 1, 2].map((q) => ({ sample: s, contig: native.sampleLayout(s)!.contigs[0].name, start: 50_000 * (i + q), end: 50_000 * (i + q) + 70_000 })),
  );
  const got = await Promise.all(queries.map((q) => a.getSequence(q)));
  for (let i = 0; i < queries.length; i++) expect(got[i]).toBe(await native.getSequence(queries[i]));
  a.close();
  native.close();
  await expect(a.samples()).rejects.toMatchObject({ code: 'AGC_CLOSED' });
});
