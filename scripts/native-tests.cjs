'use strict';
// Builds and runs the agc_core C++ tests (vendor/agc/tests) against ../shared.
//   node scripts/native-tests.cjs [test-name-filter...]
// Configure runs every time (about a second): the sources are globbed, so test files that other
// changes add are only picked up by a fresh configure.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const repoRoot = path.resolve(__dirname, '..');
const sharedDir = path.resolve(repoRoot, '..', 'shared');
const buildDir = path.join(repoRoot, 'build-native');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.error) {
    console.error(`native-tests: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
}

if (!fs.existsSync(path.join(sharedDir, 'golden', 'MANIFEST.json'))) {
  console.error(`native-tests: the shared test data is missing: expected ${sharedDir} (with golden/MANIFEST.json) beside the checkout`);
  process.exit(1);
}

const cmake = process.env.CMAKE || 'cmake';
run(cmake, ['-S', path.join(repoRoot, 'vendor', 'agc'), '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DAGC_BUILD_TESTS=ON']);
// -j2: the machines this runs on are small and shared.
run(cmake, ['--build', buildDir, '--config', 'Release', '--target', 'agc_core_tests', '-j', '2']);

const exe = process.platform === 'win32' ? 'agc_core_tests.exe' : 'agc_core_tests';
const candidates = [path.join(buildDir, exe), path.join(buildDir, 'Release', exe)];
const binary = candidates.find((p) => fs.existsSync(p));
if (!binary) {
  console.error(`native-tests: test executable not found (looked in ${candidates.join(', ')})`);
  process.exit(1);
}
const r = spawnSync(binary, [sharedDir, ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
if (r.error) {
  console.error(`native-tests: cannot run ${binary}: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status === null ? 1 : r.status);
