// What opening an archive costs as the sample count grows: open() alone (CPU, heap, RSS), then a
// first range in the last sample (which loads that sample's batch of contig details only).
//   node dist/bench/open-cost.js ARCHIVE [LEN]
import { AgcArchive } from '../lib/read/agc-archive.js';

const mib = (b: number) => (b / 1048576).toFixed(1);
const cpuMs = (c: NodeJS.CpuUsage) => ((c.user + c.system) / 1000).toFixed(1);

async function run(file: string, len: number): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let c = process.cpuUsage();
  let t = performance.now();
  const archive = await AgcArchive.open(file);
  const samples = await archive.samples();
  const openMs = performance.now() - t;
  const openCpu = process.cpuUsage(c);
  const m1 = process.memoryUsage();
  c = process.cpuUsage();
  t = performance.now();
  const last = samples[samples.length - 1];
  const sizes = (await archive.getSequenceSizes({ sample: last })) ?? {};
  const [name, length] = Object.entries(sizes).reduce((x, y) => (y[1] > x[1] ? y : x), ['', 0]);
  const start = Math.max(0, Math.floor(length / 2) - (len >> 1));
  const got = (await archive.getSequenceBytes(name, start, start + len, { sample: last }))?.length ?? 0;
  const firstMs = performance.now() - t;
  const firstCpu = process.cpuUsage(c);
  const m2 = process.memoryUsage();
  archive.close();
  process.stdout.write(
    `${samples.length} samples: open ${openMs.toFixed(1)} ms (cpu ${cpuMs(openCpu)} ms), heap +${mib(m1.heapUsed - heap0)} MiB, rss +${mib(m1.rss - rss0)} MiB; ` +
      `first ${got}-base range in the last sample ${firstMs.toFixed(1)} ms (cpu ${cpuMs(firstCpu)} ms), rss then +${mib(m2.rss - rss0)} MiB\n`,
  );
}

const [file, len] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: open-cost ARCHIVE [LEN]\n');
  process.exitCode = 2;
} else {
  run(file, Number(len ?? 4000)).catch((e: unknown) => {
    process.stderr.write(`open-cost: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
