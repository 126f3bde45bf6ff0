/// <reference lib="dom" />
// The browser entry in a real browser: bundle agc-node/web with esbuild, serve it and golden
// archives from a local HTTP server with range support, and drive Debian's headless Chromium
// (playwright-core) to list samples and contigs and fetch ranges; the page's results must equal
// upstream's listings and extracts. Skipped (with a message) only when /usr/bin/chromium is absent.
import { afterAll, beforeAll, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { bundleWeb } from '../scripts/build-web.mjs';
import { startRangeServer, type RangeServer } from '../scripts/range-server.mjs';
import { caseDir } from './shared-data.js';

const CHROMIUM = process.env.AGC_CHROMIUM ?? '/usr/bin/chromium';
// CI (.ci/run installs Debian's chromium) must run it; elsewhere a missing browser only skips it.
const haveChromium = fs.existsSync(CHROMIUM) || process.env.CI === 'true';
if (!haveChromium) console.warn(`browser test skipped: ${CHROMIUM} not found (install Debian's chromium package: apt-get install -y chromium)`);

const mers = caseDir('mers-tiny-default');
const kleb = caseDir('klebsiella-8-default');
let tmp: string;
let server: RangeServer;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!haveChromium) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-browser-'));
  const bundle = await bundleWeb(undefined, path.join(tmp, 'agc-node-web.min.js'));
  const html =
    '<!doctype html><meta charset="utf-8"><title>agc</title><script type="module">import * as agc from "/agc.js"; window.agc = agc; document.title = "ready";</script>';
  server = await startRangeServer({
    files: {
      '/': new TextEncoder().encode(html),
      '/agc.js': bundle.outfile,
      '/mers.agc': path.join(mers, 'archive.agc'),
      '/kleb.agc': path.join(kleb, 'archive.agc'),
    },
  });
  // Types only at compile time; the module itself is loaded only when the browser is there.
  const { chromium } = await import('playwright-core');
  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.title === 'ready');
}, 60_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** FASTA as upstream writes it (lines of 80). */
function fasta(header: string, seq: string): string {
  let s = `>${header}\n`;
  for (let i = 0; i < seq.length; i += 80) s += `${seq.slice(i, i + 80)}\n`;
  return s;
}

test.skipIf(!haveChromium)('headless Chromium lists samples and contigs and fetches ranges = golden', async () => {
  const got = await page.evaluate(async () => {
    const agc = (window as unknown as { agc: typeof import('../lib/web/index.js') }).agc;
    const a = await agc.openArchive(new URL('/mers.agc', location.href));
    const samples = await a.samples();
    const contigs: Record<string, string[]> = {};
    const whole: [string, string][] = [];
    for (const s of samples) {
      contigs[s] = (await a.contigs(s)) ?? [];
      for (const c of contigs[s]) whole.push([c, (await a.getSequence({ sample: s, contig: c }))!]);
    }
    const ranged = await a.getSequence({ sample: 'EMC_2012', contig: 'gi|409052551|gb|JX869059.2|', start: 100, end: 251 });
    const k = await agc.openArchive('/kleb.agc'.replace(/^/, location.origin));
    const before = { ...(k.source as InstanceType<typeof agc.HttpFile>).stats };
    const kRange = await k.getSequence({ contig: 'CP003200.1', start: 100000, end: 101000 });
    const after = (k.source as InstanceType<typeof agc.HttpFile>).stats;
    const bad = await agc.openArchive('/missing.agc'.replace(/^/, location.origin)).then(
      () => 'opened',
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    );
    const rangedName = (await a.resolveContig('EMC_2012', 'gi|409052551|gb|JX869059.2|'))!.layout.name;
    return {
      samples,
      contigs,
      whole,
      ranged,
      rangedName,
      kRange,
      kHeader: (await k.resolveContig(undefined, 'CP003200.1'))!.layout.name,
      requests: after.requests - before.requests,
      bytes: after.bytes - before.bytes,
      bad,
    };
  });

  expect(
    [...got.samples]
      .sort()
      .map((s) => `${s}\n`)
      .join(''),
  ).toBe(fs.readFileSync(path.join(mers, 'listset.txt'), 'utf8'));
  expect(
    [...got.samples]
      .sort()
      .map((s) => `${s}\n${got.contigs[s].map((c) => `   ${c}\n`).join('')}`)
      .join(''),
  ).toBe(fs.readFileSync(path.join(mers, 'listctg.txt'), 'utf8'));
  expect(got.whole.map(([c, s]) => fasta(c, s)).join('')).toBe(fs.readFileSync(path.join(mers, 'getcol.fa'), 'latin1'));
  // getctg q: ["gi|409052551|gb|JX869059.2|@EMC_2012:100-250"] (inclusive range)
  const q = fs.readdirSync(path.join(mers, 'getctg')).find((f) => fs.readFileSync(path.join(mers, 'getctg', f), 'utf8').includes('@EMC_2012:100-250'))!;
  expect(fasta(`${got.rangedName}:100-250`, got.ranged!)).toBe(fs.readFileSync(path.join(mers, 'getctg', q.replace('.args', '.fa')), 'latin1'));
  expect(fasta(`${got.kHeader}:100000-100999`, got.kRange!)).toBe(fs.readFileSync(path.join(kleb, 'getctg', 'q1.fa'), 'latin1'));
  expect(got.requests).toBeLessThanOrEqual(3);
  expect(got.bytes).toBeLessThanOrEqual(256 << 10);
  expect(got.bad).toMatch(/^AGC_IO: cannot read .*missing\.agc.*HTTP 404/);
});
