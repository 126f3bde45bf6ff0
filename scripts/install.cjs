'use strict';
// npm install hook: use a prebuilt binary when one fits this platform, otherwise compile with cmake-js.
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
try {
  require('node-gyp-build').path(root);
  process.exit(0);
} catch {
  // no usable binary: build from source below
}
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
