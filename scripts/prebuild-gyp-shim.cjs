'use strict';
// Stand-in for `node-gyp rebuild --arch=X --release ...` as prebuildify calls it (from its staging
// folder, see prebuild.cjs): a clean cmake-js build of the package into <staging>/build.
// On Linux the C++ runtime is linked statically (AGC_STATIC_RUNTIME, see CMakeLists.txt) so the
// binary loads on distributions older than the build machine; AGC_STATIC_RUNTIME=0 turns it off.
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const arch = (process.argv.find((a) => a.startsWith('--arch=')) || '').slice(7) || process.arch;
const out = path.join(process.cwd(), 'build');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--directory', root, '--out', out, '--arch', arch];
if (process.platform === 'linux' && process.env.AGC_STATIC_RUNTIME !== '0') args.push('--CDAGC_STATIC_RUNTIME=ON');
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
