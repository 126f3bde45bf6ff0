// The browser entry bundles for the browser platform without node: modules, stays small, and
// tree-shakes (importing one byte source does not pull in the reader).
import { expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWeb } from '../scripts/build-web.mjs';
import { repoRoot } from './shared-data.js';

test('agc-node/web bundles for browsers, small and tree-shakeable', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-web-entry-'));
  try {
    const full = await bundleWeb(undefined, path.join(tmp, 'full.js'));
    const code = fs.readFileSync(full.outfile, 'utf8');
    expect(code).not.toMatch(/["'`]node:/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(full.bytes).toBeLessThan(64 * 1024);
    const entry = path.join(tmp, 'one.ts');
    fs.writeFileSync(
      entry,
      `import { BytesFile } from ${JSON.stringify(path.join(repoRoot, 'lib/web/index.js'))};\nconsole.log(new BytesFile(new Uint8Array(1)));\n`,
    );
    const one = await bundleWeb(entry, path.join(tmp, 'one.js'));
    expect(one.bytes).toBeLessThan(4 * 1024);
    // package.json maps agc-node/web to the compiled entry.
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.exports['./web'].default).toBe('./dist/lib/web/index.js');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
