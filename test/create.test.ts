// agc-node create reproduces upstream agc 3.2.2 byte for byte on every golden create case, with
// -t 1, -t 2 and -t 3, and the archives read back to the input sequences.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { cases, datasetDir } from './shared-data.js';
import { expectRoundTrip, runCase, sha256File, stepInputs, tempDir } from './helpers/compress-run.js';

const full = process.env.AGC_FULL === '1';
const QUICK_T3 = new Set(['mers-tiny-default', 'mers-46-concat', 'saureus-6-adaptive']);
const dir = tempDir('create');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const createCases = cases.filter((c) => c.steps.every((s) => s[0] === 'create'));

describe('golden create cases', () => {
  for (const c of createCases) {
    const heavy = c.dataset === 'klebsiella-8';
    // -t 3: an odd worker count (groups spread unevenly); every case in the full tier.
    for (const t of full || QUICK_T3.has(c.id) ? [1, 2, 3] : [1, 2]) {
      it.skipIf(heavy && !full)(`${c.id} -t ${t}`, { timeout: heavy ? 600_000 : 120_000 }, async () => {
        const [out] = await runCase(c, t, dir);
        expect(fs.statSync(out!).size).toBe(c.bytes);
        expect(sha256File(out!)).toBe(c.sha256);
        if (t === 1 && (c.id === 'mers-tiny-default' || c.id === 'mers-46-concat' || c.id === 'saureus-6-adaptive' || full)) {
          const step = c.steps[0]!;
          const r = await expectRoundTrip(out!, stepInputs(step, datasetDir(c.dataset)), step.includes('-c'));
          expect(r.samples).toBe(c.samples);
        }
        fs.rmSync(out!, { force: true });
      });
    }
  }
});
