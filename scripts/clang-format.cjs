'use strict';
// Runs the clang-format of the devDependency over our C++ (native/, vendor/agc/) on every
// platform: npm scripts cannot rely on the shell to expand globs (Windows does not).
//   node scripts/clang-format.cjs          check, exit 1 on a difference
//   node scripts/clang-format.cjs --fix    rewrite the files
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const dirs = ['native', 'vendor/agc/src', 'vendor/agc/include/agc', 'vendor/agc/tests'];
const files = dirs.flatMap((d) =>
  fs
    .readdirSync(path.join(root, d))
    .filter((f) => /\.(cc|cpp|h)$/.test(f))
    .map((f) => path.join(d, f)),
);
const bin = require.resolve('clang-format/index.js');
const args = process.argv.includes('--fix') ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
