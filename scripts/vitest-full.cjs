'use strict';
// `vitest run` with AGC_FULL=1, which also enables the slow klebsiella-8 golden cases.
// A script rather than `AGC_FULL=1 vitest` so it works in every shell, Windows included.
const { spawnSync } = require('child_process');
const path = require('path');
const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], {
  cwd: path.join(__dirname, '..'),
  stdio: 'inherit',
  env: { ...process.env, AGC_FULL: '1' },
});
process.exit(r.status === null ? 1 : r.status);
