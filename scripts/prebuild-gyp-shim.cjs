'use strict';
// Stand-in for `node-gyp rebuild --arch=X --release ...` as prebuildify calls it: a clean
// cmake-js build into build-prebuild/.
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const arch = (process.argv.find((a) => a.startsWith('--arch=')) || '').slice(7) || process.arch;
const out = path.join(root, 'build-prebuild');
fs.rmSync(out, { recursive: true, force: true });
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', out, '--arch', arch], { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
