// Random ranges through AgcArchive.getSequence in one process, by the same rule as upstream's
// yardstick (../shared/tools/ref-random.cpp): a contig chosen uniformly among those longer than LEN,
// then a uniform start. Prints the same line, so the bench can time both alike:
//   node dist/bench/random-ranges.js ARCHIVE N LEN [prefetch 0|1]
// (prefetch 1 opens with { prefetch: true }: open returns at once while a background thread reads
// the file and decompresses every part; that work overlaps the ranges, so the line also gives the
// total from before open to the last range, the figure to compare)
import { AgcArchive } from '../lib/read/agc-archive.js';

async function run(file: string, n: number, len: number, prefetch: boolean): Promise<void> {
  const t0 = performance.now();
  const archive = await AgcArchive.open(file, { prefetch });
  const contigs: Array<{ sample: string; name: string; length: number }> = [];
  for (const sample of await archive.samples()) {
    for (const name of (await archive.contigs(sample)) ?? []) {
      const length = (await archive.contigLength(sample, name)) ?? 0;
      if (length > len) contigs.push({ sample, name, length });
    }
  }
  const t1 = performance.now();
  // xorshift32: any fixed generator will do, the rule (not the stream) is what must match
  let x = 42;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = contigs[next() % contigs.length]!;
    const start = next() % (c.length - len);
    total += (await archive.getSequenceBytes({ sample: c.sample, contig: c.name, start, end: start + len }))!.length;
  }
  const t2 = performance.now();
  archive.close();
  const s = (t2 - t1) / 1000;
  process.stdout.write(
    `open+list ${((t1 - t0) / 1000).toFixed(3)} s; ${n} ranges of ${len} in ${s.toFixed(3)} s = ${Math.round(n / s)} /s (${total} bases); open+list+ranges ${((t2 - t0) / 1000).toFixed(3)} s\n`,
  );
}

const [file, n, len, pf] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: random-ranges ARCHIVE N LEN\n');
  process.exitCode = 2;
} else {
  run(file, Number(n ?? 10000), Number(len ?? 4000), pf === '1').catch((e: unknown) => {
    process.stderr.write(`random-ranges: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
