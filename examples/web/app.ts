// Demo page logic: open an archive by URL, list samples and contigs, show a range and the
// segment structure. Bundled by serve.mjs with esbuild.
import { HttpFile, type RemoteAgcArchive, type SampleLayout, openArchive } from '../../lib/web/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const url = $<HTMLInputElement>('url');
const sampleSel = $<HTMLSelectElement>('sample');
const contigSel = $<HTMLSelectElement>('contig');
const startIn = $<HTMLInputElement>('start');
const endIn = $<HTMLInputElement>('end');
const status = $('status');
const errorBox = $('error');
let archive: RemoteAgcArchive | undefined;

const kindColour = (g: number, id: number) => (g < 16 ? '#c84' : id === 0 ? '#4a7' : '#47c');

function traffic(): string {
  const f = archive?.source;
  return f instanceof HttpFile ? ` — ${f.stats.requests} requests, ${(f.stats.bytes / 1024).toFixed(1)} KiB so far` : '';
}

async function run(what: string, f: () => Promise<void>): Promise<void> {
  errorBox.textContent = '';
  status.textContent = `${what}…`;
  const t0 = performance.now();
  try {
    await f();
    status.textContent = `${what}: ${(performance.now() - t0).toFixed(0)} ms${traffic()}`;
  } catch (e) {
    status.textContent = '';
    errorBox.textContent = (e as Error).message;
  }
}

function fill(sel: HTMLSelectElement, values: string[]): void {
  sel.replaceChildren(...values.map((v) => new Option(v, v)));
}

async function openUrl(): Promise<void> {
  archive?.close();
  archive = await openArchive(new URL(url.value, location.href));
  const samples = await archive.samples();
  fill(sampleSel, samples);
  await sampleChanged();
  await overview(samples);
}

async function sampleChanged(): Promise<void> {
  if (!archive) return;
  fill(contigSel, (await archive.contigs(sampleSel.value)) ?? []);
}

async function show(): Promise<void> {
  if (!archive) return;
  const r = await archive.resolveContig(sampleSel.value, contigSel.value);
  if (!r) throw new Error(`no contig ${contigSel.value} in ${sampleSel.value}`);
  const start = Math.min(Number(startIn.value) || 0, r.layout.length);
  const end = Math.min(Math.max(start, Number(endIn.value) || 0), r.layout.length);
  const seq = (await archive.getSequence({ sample: r.sample, contig: r.layout.name, start, end })) ?? '';
  const lines = [`>${r.layout.name}:${start}-${end} (0-based, end exclusive; contig length ${r.layout.length})`];
  for (let i = 0; i < seq.length; i += 80) lines.push(seq.slice(i, i + 80));
  $('seq').textContent = lines.join('\n');
  strip(r.layout, start, end);
}

function strip(layout: SampleLayout['contigs'][number], start: number, end: number): void {
  const svg = $('strip') as unknown as SVGSVGElement;
  const w = svg.clientWidth || 800;
  const scale = w / Math.max(1, layout.length);
  const parts: string[] = [];
  for (let j = 0; j < layout.rawLength.length; j++) {
    const x = layout.starts[j] * scale;
    const width = Math.max(0.5, (layout.starts[j + 1] - layout.starts[j]) * scale - 0.5);
    parts.push(`<rect x="${x}" y="4" width="${width}" height="22" fill="${kindColour(layout.groupId[j], layout.inGroupId[j])}"><title>segment ${j}: group ${layout.groupId[j]}, id ${layout.inGroupId[j]}${layout.revComp[j] ? ', reverse complement' : ''}, ${layout.rawLength[j]} symbols</title></rect>`);
  }
  parts.push(`<rect x="${start * scale}" y="28" width="${Math.max(1, (end - start) * scale)}" height="8" fill="#000"/>`);
  svg.innerHTML = parts.join('');
}

async function overview(samples: string[]): Promise<void> {
  if (!archive) return;
  const rows: string[] = [];
  for (const s of samples) {
    const l = (await archive.sampleLayout(s))!;
    let length = 0;
    let segs = 0;
    const by = { ref: 0, delta: 0, raw: 0 };
    for (const c of l.contigs) {
      length += c.length;
      segs += c.rawLength.length;
      for (let j = 0; j < c.rawLength.length; j++) {
        const n = c.starts[j + 1] - c.starts[j];
        if (c.groupId[j] < 16) by.raw += n;
        else if (c.inGroupId[j] === 0) by.ref += n;
        else by.delta += n;
      }
    }
    const pct = (x: number) => `${((100 * x) / Math.max(1, length)).toFixed(1)}%`;
    const bar = `<svg width="200" height="12"><rect width="${(200 * by.ref) / Math.max(1, length)}" height="12" fill="#4a7"/><rect x="${(200 * by.ref) / Math.max(1, length)}" width="${(200 * by.delta) / Math.max(1, length)}" height="12" fill="#47c"/><rect x="${(200 * (by.ref + by.delta)) / Math.max(1, length)}" width="${(200 * by.raw) / Math.max(1, length)}" height="12" fill="#c84"/></svg>`;
    rows.push(`<tr><td>${s.replace(/</g, '&lt;')}</td><td>${l.contigs.length}</td><td>${length.toLocaleString()}</td><td>${segs}</td><td>${pct(by.ref)}</td><td>${pct(by.delta)}</td><td>${pct(by.raw)}</td><td>${bar}</td></tr>`);
  }
  $('overview').innerHTML = `<table><tr><th>sample</th><th>contigs</th><th>length</th><th>segments</th><th>reference</th><th>LZ-diff</th><th>raw</th><th></th></tr>${rows.join('')}</table>`;
}

$('open').addEventListener('click', () => void run('open', openUrl));
sampleSel.addEventListener('change', () => void run('contigs', sampleChanged));
$('show').addEventListener('click', () => void run('query', show));

// Archives the demo server offers (archives.json), the first one preselected.
void fetch('archives.json')
  .then((r) => (r.ok ? r.json() : []))
  .then((list: string[]) => {
    $('known').replaceChildren(...list.map((u) => new Option(u, u)));
    if (list.length && !url.value) url.value = list[0];
  })
  .catch(() => {});
