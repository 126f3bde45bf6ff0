// Which getcol runs start their extraction workers before the reader loads (main.ts, worker-start.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workersToPrestart } from '../lib/cli/main.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-prestart-'));
const big = path.join(dir, 'big.agc');
const small = path.join(dir, 'small.agc');
fs.writeFileSync(big, Buffer.alloc(0));
fs.truncateSync(big, 6 << 20); // sparse: the size is all that is read
fs.writeFileSync(small, Buffer.alloc(1000));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('workersToPrestart', () => {
  it('starts threads - 1 workers for a large archive, wherever -t is', () => {
    expect(workersToPrestart(['-t', '2', big], 2)).toBe(1);
    expect(workersToPrestart([big, '-t4'], 2)).toBe(3);
    expect(workersToPrestart(['-l', '60', '-r', '-o', dir, '-t', '3', big], 2)).toBe(2);
  });

  it('follows the default and the limit of -t', () => {
    expect(workersToPrestart([big], 8)).toBe(3);
    expect(workersToPrestart([big], 2)).toBe(0);
    expect(workersToPrestart(['-t', '1000', big], 4)).toBe(15);
  });

  it('starts none for one thread, a small or missing archive, or arguments getcol will reject', () => {
    expect(workersToPrestart(['-t', '1', big], 8)).toBe(0);
    expect(workersToPrestart(['-t', 'x', big], 8)).toBe(0);
    expect(workersToPrestart(['-t', '2', small], 2)).toBe(0);
    expect(workersToPrestart(['-t', '2', path.join(dir, 'none.agc')], 2)).toBe(0);
    expect(workersToPrestart(['-t', '2', big, 'extra'], 2)).toBe(0);
    expect(workersToPrestart(['-t', '2'], 2)).toBe(0);
  });
});
