// Remote reading (RemoteAgcArchive over HTTP range requests on 127.0.0.1): requests and bytes
// per random 4 kb query of klebsiella-8, cold (a fresh open per query: what one query costs
// after open) and warm (one open archive, caches filling), and queries per second, with fzstd
// and with the addon's zstd; plus the same queries from bytes in memory (no HTTP).
// AGC_BENCH_REMOTE_QUERIES sets the number of warm queries (default 2000).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchContext, BenchRow } from './bench.js';
import { RemoteAgcArchive } from '../lib/web/remote-archive.js';
import { HttpFile } from '../lib/io/http-file.js';
import { fzstdDecompress } from '../lib/web/fzstd-decompress.js';
import { zstdDecompress } from '../lib/native/zstd.js';
import type { Decompress } from '../lib/format/segment-decode.js';

interface Server {
  url: string;
  close(): Promise<void>;
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => Math.floor(((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) * n);
}

async function targets(a: RemoteAgcArchive): Promise<{ sample: string; name: string; length: number }[]> {
  const out: { sample: string; name: string; length: number }[] = [];
  for (const s of await a.samples())
    for (const c of (await a.sampleLayout(s))!.contigs) if (c.length >= 4000) out.push({ sample: s, name: c.name, length: c.length });
  return out;
}

export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const section = 'remote (RemoteAgcArchive, local HTTP with range requests, klebsiella-8, random 4 kb ranges)';
  const rows: BenchRow[] = [];
  const archive = path.join(ctx.sharedDir, 'golden', 'klebsiella-8-default', 'archive.agc');
  const { startRangeServer } = (await import(pathToFileURL(path.join(ctx.repoRoot, 'scripts', 'range-server.mjs')).href)) as {
    startRangeServer: (o: { files: Record<string, string> }) => Promise<Server>;
  };
  const server = await startRangeServer({ files: { '/a.agc': archive } });
  const url = `${server.url}/a.agc`;
  const n = Number(process.env.AGC_BENCH_REMOTE_QUERIES ?? 2000);
  try {
    const probe = await RemoteAgcArchive.open(url);
    const all = await targets(probe);
    probe.close();

    // Cold: what one query costs right after open.
    {
      const rnd = rng(1);
      const cold = Math.min(200, n);
      let req = 0;
      let bytes = 0;
      let maxReq = 0;
      let maxBytes = 0;
      let openReq = 0;
      let openBytes = 0;
      const t0 = performance.now();
      for (let i = 0; i < cold; i++) {
        const f = new HttpFile(url);
        const a = await RemoteAgcArchive.open(f);
        openReq += f.stats.requests;
        openBytes += f.stats.bytes;
        const before = { ...f.stats };
        const c = all[rnd(all.length)];
        const start = rnd(c.length - 4000);
        await a.getSequenceBytes({ sample: c.sample, contig: c.name, start, end: start + 4000 });
        const r = f.stats.requests - before.requests;
        const b = f.stats.bytes - before.bytes;
        req += r;
        bytes += b;
        maxReq = Math.max(maxReq, r);
        maxBytes = Math.max(maxBytes, b);
        a.close();
      }
      const wall = (performance.now() - t0) / 1000;
      rows.push({
        section,
        name: `cold: open + one 4 kb query (${cold}x, fzstd)`,
        wall,
        note: `open: ${(openReq / cold).toFixed(1)} requests, ${(openBytes / cold / 1024).toFixed(1)} KiB; per query: ${(req / cold).toFixed(2)} requests (max ${maxReq}), ${(bytes / cold / 1024).toFixed(1)} KiB (max ${(maxBytes / 1024).toFixed(1)} KiB); target <= 3 requests, <= 256 KiB`,
      });
    }

    // Warm: one archive, many queries.
    for (const [label, decompress] of [
      ['fzstd', fzstdDecompress],
      ['addon zstd', zstdDecompress],
    ] as [string, Decompress][]) {
      const f = new HttpFile(url);
      const a = await RemoteAgcArchive.open(f, { decompress });
      const before = { ...f.stats };
      const rnd = rng(2);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const c = all[rnd(all.length)];
        const start = rnd(c.length - 4000);
        await a.getSequenceBytes({ sample: c.sample, contig: c.name, start, end: start + 4000 });
      }
      const wall = (performance.now() - t0) / 1000;
      rows.push({
        section,
        name: `warm: ${n} queries on one open archive (${label})`,
        wall,
        note: `${Math.round(n / wall)} queries/s; ${((f.stats.requests - before.requests) / n).toFixed(3)} requests and ${((f.stats.bytes - before.bytes) / n / 1024).toFixed(1)} KiB per query`,
      });
      a.close();
    }

    // The same queries from memory: the decoding cost without HTTP.
    {
      const a = await RemoteAgcArchive.open(fs.readFileSync(archive), { decompress: zstdDecompress });
      const rnd = rng(2);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const c = all[rnd(all.length)];
        const start = rnd(c.length - 4000);
        await a.getSequenceBytes({ sample: c.sample, contig: c.name, start, end: start + 4000 });
      }
      const wall = (performance.now() - t0) / 1000;
      rows.push({ section, name: `in memory: ${n} queries (Uint8Array, addon zstd)`, wall, note: `${Math.round(n / wall)} queries/s` });
      a.close();
    }
  } finally {
    await server.close();
  }
  return rows;
}
