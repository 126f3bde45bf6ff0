// append -a's reference decoded by the addon on libuv's pool (write/reference-job.ts) and the
// miner's use of it: the same contigs as the decode on the calling thread, the same errors, a fallback.
import './helpers/compress-env.js';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceContigs } from '../lib/write/reference-sample.js';
import { startReferenceJob } from '../lib/write/reference-job.js';
import { ScannedMiningReference } from '../lib/write/splitters.js';
import { AgcError } from '../lib/errors.js';
import { caseDir } from './shared-data.js';

const base = path.join(caseDir('mers-tiny-append'), 'base.agc');

describe('the reference of append -a decoded on the pool', () => {
  it('decodes the same contigs (codes) as the calling thread', async () => {
    const here = referenceContigs(base);
    expect(here.length).toBeGreaterThan(0);
    const job = startReferenceJob(base);
    const there = await job.contigs;
    expect(there.map((c) => Buffer.from(c).toString('hex'))).toEqual(here.map((c) => Buffer.from(c).toString('hex')));
    job.stop(); // after the end: harmless
    expect(here.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(1000);
    expect(here.every((c) => c.every((x) => x < 16))).toBe(true);
  });

  it('decodes the same contigs as the calling thread for a larger reference (klebsiella-8)', async () => {
    const big = path.join(caseDir('klebsiella-8-append-adaptive'), 'base.agc');
    const here = referenceContigs(big);
    const there = await startReferenceJob(big).contigs;
    expect(there.length).toBe(here.length);
    expect(here.length).toBeGreaterThan(1);
    there.forEach((c, i) => expect(Buffer.compare(c, here[i]!), `contig ${i}`).toBe(0));
  }, 60_000);

  it('a job stopped while it decodes takes nothing down (extractor closed under the job)', async () => {
    // klebsiella-8's reference sample takes some ms to decode: stops land before, during and
    // after the decode, and the process must live through each.
    const big = path.join(caseDir('klebsiella-8-append-adaptive'), 'base.agc');
    // a job stopped after `delay` ms (undefined: at once, in the same tick): how it ended
    const stoppedAfter = async (delay: number | undefined): Promise<string> => {
      const job = startReferenceJob(big);
      if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
      job.stop();
      return job.contigs.then(
        (c) => `contigs ${c.length}`,
        (e: unknown) => (e instanceof AgcError ? e.code : String(e)),
      );
    };
    const outcomes: string[] = [];
    for (const delay of [0, 1, 5, 15, 30, 60, 120, 250]) outcomes.push(await stoppedAfter(delay));
    // a decode that finished has every contig; the others ended with the close
    for (const o of outcomes) expect(o === 'AGC_CLOSED' || /^contigs [1-9]/.test(o), o).toBe(true);
    // stopped right after the start: the pool job (tens of ms of decoding) has not ended, unless
    // this thread lost its core for that long (seen once on a loaded 2-core machine): of three
    // such stops, at least one must end with the close, and none with anything but these two
    const early: string[] = [];
    for (let i = 0; i < 3; i++) early.push(await stoppedAfter(undefined));
    for (const o of early) expect(o === 'AGC_CLOSED' || /^contigs [1-9]/.test(o), o).toBe(true);
    expect(early).toContain('AGC_CLOSED');
    const after = startReferenceJob(base);
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
    const err = await startReferenceJob(missing).contigs.catch((e: unknown) => e);
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
