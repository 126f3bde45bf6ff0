// The short fuzz run of the test:all tier (AGC_FULL=1): 1,000 seeded cases of mutated archives
// through the CLI and the API, and mutated FASTA through create/append with a full read-back
// (scripts/fuzz.mjs). Fails on any crash, hang, memory blow-up or archive that create/append
// accepted but that does not read back as its input.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const full = process.env.AGC_FULL === '1';

describe('fuzz (short run)', () => {
  it.skipIf(!full)('1,000 cases, seed 1: no crash, hang, memory blow-up or unreadable archive', { timeout: 3_600_000 }, () => {
    spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'ignore' });
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'fuzz.mjs'), '--seed', '1', '--cases', '1000', '--jobs', '2'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(r.stdout).toMatch(/seed 1, 1000 cases/);
    expect(r.stderr).not.toMatch(/^FAIL/m);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('the harness classifies a case and reports its figures (3 cases)', { timeout: 300_000 }, () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'fuzz.mjs'), '--seed', '7', '--cases', '3', '--jobs', '1', '-v'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/case 0: (archive|fasta) .*: (clean|identical|differs)/);
    expect(r.stdout).toMatch(/seed 7, 3 cases/);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
});
