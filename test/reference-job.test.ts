// append -a's reference decoded in a worker thread (workers/reference-job.ts) and the miner's use
// of it: the same contigs as the decode on the calling thread, the same errors, a fallback.
import './helpers/compress-env.js';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceContigs } from '../lib/write/reference-sample.js';
import { startReferenceJob } from '../lib/write/workers/reference-job.js';
import { ScannedMiningReference } from '../lib/write/splitters.js';
import { AgcError } from '../lib/errors.js';
import { caseDir } from './shared-data.js';

const base = path.join(caseDir('mers-tiny-append'), 'base.agc');

describe('the reference of append -a in a worker thread', () => {
  it('decodes the same contigs (codes) as the calling thread', async () => {
    const here = referenceContigs(base);
    expect(here.length).toBeGreaterThan(0);
    const job = startReferenceJob(base)!;
    expect(job).not.toBeNull();
    const there = await job.contigs;
    expect(there.map((c) => Buffer.from(c).toString('hex'))).toEqual(here.map((c) => Buffer.from(c).toString('hex')));
    job.stop(); // after the end: harmless
    expect(here.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(1000);
    expect(here.every((c) => c.every((x) => x < 16))).toBe(true);
  });

  it('a job stopped while it decodes takes nothing down (worker terminated inside the reader)', async () => {
    // klebsiella-8's reference sample takes about 0.1 s to decode: stops land before, during and
    // after the decode, and the process must live through each.
    const big = path.join(caseDir('klebsiella-8-append-adaptive'), 'base.agc');
    const outcomes: string[] = [];
    for (const delay of [0, 1, 5, 15, 30, 60, 120, 250]) {
      const job = startReferenceJob(big)!;
      await new Promise((r) => setTimeout(r, delay));
      job.stop();
      outcomes.push(
        await job.contigs.then(
          (c) => `contigs ${c.length}`,
          (e: unknown) => (e instanceof AgcError ? e.code : String(e)),
        ),
      );
    }
    // a decode that finished has every contig; the others ended with the worker's exit
    for (const o of outcomes) expect(o === 'AGC_INTERNAL' || /^contigs [1-9]/.test(o), o).toBe(true);
    const after = startReferenceJob(base)!;
    expect((await after.contigs).length).toBeGreaterThan(0);
  }, 60_000);

  it('rejects with the error the calling thread would throw', async () => {
    const missing = path.join(caseDir('mers-tiny-append'), 'no-such.agc');
    let direct: unknown;
    try {
      referenceContigs(missing);
    } catch (e) {
      direct = e;
    }
    expect(direct).toBeInstanceOf(AgcError);
    const err = await startReferenceJob(missing)!.contigs.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgcError);
    expect((err as AgcError).code).toBe((direct as AgcError).code);
    expect((err as AgcError).message).toBe((direct as AgcError).message);
  });

  it('the miner takes the early contigs, or loads them itself when they failed; dispose stops the job', async () => {
    const contigs = [Uint8Array.from({ length: 3000 }, (_, i) => (i * 7 + (i >> 3)) & 3)];
    let loads = 0;
    let stops = 0;
    const good = new ScannedMiningReference(() => (loads++, contigs), 1, { contigs: Promise.resolve(contigs), stop: () => stops++ });
    await good.ready();
    expect(good.newSingletons([contigs[0]!.subarray(0, 500)], 21)[0]!.size).toBe(0);
    expect(loads).toBe(0);
    good.dispose();
    expect(stops).toBe(0); // already taken
    const failed = new ScannedMiningReference(() => (loads++, contigs), 1, { contigs: Promise.reject(new Error('gone')), stop: () => stops++ });
    await failed.ready();
    expect(failed.newSingletons([contigs[0]!.subarray(0, 500)], 21)[0]!.size).toBe(0);
    expect(loads).toBe(1);
    const abandoned = new ScannedMiningReference(() => (loads++, contigs), 1, { contigs: new Promise(() => undefined), stop: () => stops++ });
    abandoned.dispose();
    abandoned.dispose();
    expect(stops).toBe(1);
  });
});
