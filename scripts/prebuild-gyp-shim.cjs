'use strict';
// Stand-in for `node-gyp rebuild --arch=X --release ...` as prebuildify calls it (from its staging
// folder, see prebuild.cjs): a clean cmake-js build of the package into <staging>/build.
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const arch = (process.argv.find((a) => a.startsWith('--arch=')) || '').slice(7) || process.arch;
const out = path.join(process.cwd(), 'build');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--directory', root, '--out', out, '--arch', arch], { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
