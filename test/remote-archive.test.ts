// The pure-TypeScript reader (RemoteAgcArchive) against every golden archive, once with the
// addon's zstd and once with fzstd: sample and contig listings, the getctg extracts and whole
// collections (sha256 of getcol) must match upstream's outputs, and ranges must match the native
// AgcArchive. The klebsiella and saureus collections are decoded whole only with AGC_FULL=1.
import { describe, expect, test } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RemoteAgcArchive } from '../lib/web/remote-archive.js';
import { fzstdDecompress } from '../lib/web/fzstd-decompress.js';
import { zstdDecompress } from '../lib/native/zstd.js';
import { AgcArchive } from '../lib/read/agc-archive.js';
import { caseDir, cases, goldenDir } from './shared-data.js';

const full = process.env.AGC_FULL === '1';
const decoders = [
  ['addon zstd', zstdDecompress],
  ['fzstd', fzstdDecompress],
] as const;

/** Upstream's getctg query syntax -> query and header suffix (inclusive range). */
function parseGetctg(q: string): { contig: string; sample?: string; from?: number; to?: number } {
  let m = /^(.+)@(.+):(.+)-(.+)$/.exec(q);
  if (m) return { contig: m[1], sample: m[2], from: Number(m[3]), to: Number(m[4]) };
  m = /^(.+)@(.+)$/.exec(q);
  if (m) return { contig: m[1], sample: m[2] };
  m = /^(.+):(.+)-(.+)$/.exec(q);
  if (m) return { contig: m[1], from: Number(m[2]), to: Number(m[3]) };
  return { contig: q };
}

function fasta(header: string, seq: Uint8Array, h: crypto.Hash | string[]): void {
  const parts: (string | Uint8Array)[] = [`>${header}\n`];
  for (let i = 0; i < seq.length; i += 80) parts.push(seq.subarray(i, i + 80), '\n');
  for (const p of parts) {
    if (Array.isArray(h)) h.push(typeof p === 'string' ? p : Buffer.from(p).toString('latin1'));
    else h.update(p);
  }
}

async function getcolSha(a: RemoteAgcArchive): Promise<string> {
  const h = crypto.createHash('sha256');
  for (const s of await a.samples()) {
    const layout = (await a.sampleLayout(s))!;
    for (const c of layout.contigs) fasta(c.name, await a.readContig(c, 0, c.length), h);
  }
  return h.digest('hex');
}

const small = (id: string) => id.startsWith('mers');

for (const c of cases) {
  describe(`remote reader on ${c.id}`, () => {
    const dir = caseDir(c);
    const bytes = fs.readFileSync(path.join(goldenDir, c.archive));
    for (const [label, decompress] of decoders) {
      test(`listings, extracts and ranges (${label})`, async () => {
        const a = await RemoteAgcArchive.open(bytes, { decompress });
        const samples = await a.samples();
        expect(samples.length).toBe(c.samples);
        expect(
          [...samples]
            .sort()
            .map((s) => `${s}\n`)
            .join(''),
        ).toBe(fs.readFileSync(path.join(dir, 'listset.txt'), 'utf8'));
        expect(await a.referenceSample()).toBe(fs.readFileSync(path.join(dir, 'listref.txt'), 'utf8'));
        let listctg = '';
        for (const s of [...samples].sort()) listctg += `${s}\n${((await a.contigs(s)) ?? []).map((n) => `   ${n}\n`).join('')}`;
        expect(listctg).toBe(fs.readFileSync(path.join(dir, 'listctg.txt'), 'utf8'));
        expect(a.params.kmerLength).toBeGreaterThan(0);

        const qdir = path.join(dir, 'getctg');
        const qs = fs.existsSync(qdir) ? fs.readdirSync(qdir).filter((f) => f.endsWith('.args')) : [];
        for (const f of qs) {
          const out: string[] = [];
          for (const q of JSON.parse(fs.readFileSync(path.join(qdir, f), 'utf8')) as string[]) {
            const p = parseGetctg(q);
            const r = (await a.resolveContig(p.sample, p.contig))!;
            expect(r, q).toBeDefined();
            const ranged = p.from !== undefined && p.to !== undefined && p.from <= p.to;
            const seq = await a.getSequenceBytes({ sample: r.sample, contig: r.layout.name, start: ranged ? p.from : 0, end: ranged ? p.to! + 1 : undefined });
            fasta(ranged ? `${r.layout.name}:${p.from}-${p.to}` : r.layout.name, seq!, out);
          }
          expect(out.join(''), f).toBe(fs.readFileSync(path.join(qdir, f.replace('.args', '.fa')), 'latin1'));
        }

        // Random ranges against the native reader.
        const native = AgcArchive.openSync(path.join(goldenDir, c.archive));
        try {
          let seed = 12345;
          const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % Math.max(1, n);
          for (let i = 0; i < 12; i++) {
            const s = samples[rnd(samples.length)];
            const names = (await a.contigs(s))!;
            if (names.length === 0) continue;
            const contig = names[rnd(names.length)];
            const len = (await a.contigLength(s, contig))!;
            expect(len).toBe(await native.contigLength(s, contig));
            const start = rnd(len);
            const end = Math.min(len, start + 1 + rnd(20000));
            expect(await a.getSequence({ sample: s, contig, start, end })).toBe(await native.getSequence({ sample: s, contig, start, end }));
          }
        } finally {
          native.close();
        }
        a.close();
      });

      test.runIf(small(c.id) || full)(`whole collection = upstream getcol (${label})`, async () => {
        const a = await RemoteAgcArchive.open(bytes, { decompress });
        expect(await getcolSha(a)).toBe(fs.readFileSync(path.join(dir, 'getcol.sha256'), 'utf8').trim().split(/\s+/)[0]);
        a.close();
      });
    }
  });
}
