'use strict';
// npm install hook. Uses the prebuilt binary for this platform when it actually loads here (a
// binary built against a newer glibc, say, exists but does not load), and compiles the addon with
// cmake-js only when there is none or it fails. Set AGC_NODE_BUILD_FROM_SOURCE=1 (or
// npm_config_build_from_source=true) to skip the prebuilt binaries.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const platform = `${process.platform}-${process.arch}`;

// Loads in a child process: a binary that crashes on load must not take this script with it.
function loadError(file) {
  const r = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const lines = `${r.stderr || ''}`.split('\n').filter((l) => /error/i.test(l));
  return (lines[0] || `exit status ${r.status}`).trim();
}

function onPath(names) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (process.env.PATHEXT || '.EXE').split(';') : [''];
  return names.some((name) => dirs.some((dir) => exts.some((ext) => fs.existsSync(path.join(dir, name + ext)))));
}

// What a source build lacks, or undefined when it can be tried (cmake-js finds MSVC itself).
function missingTools() {
  const missing = [];
  if (!onPath(['cmake'])) missing.push('cmake (>= 3.16)');
  if (process.platform !== 'win32' && !process.env.CXX && !onPath(['c++', 'g++', 'clang++'])) missing.push('a C++17 compiler (g++ or clang++)');
  return missing.length ? missing : undefined;
}

const fromSource = process.env.AGC_NODE_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
let reason = 'forced by AGC_NODE_BUILD_FROM_SOURCE';
if (!fromSource) {
  let candidate;
  try {
    candidate = require('node-gyp-build').path(root);
  } catch {
    reason = `no prebuilt binary for ${platform}`;
  }
  if (candidate) {
    const err = loadError(candidate);
    if (!err) process.exit(0);
    reason = `${path.relative(root, candidate)} does not load here (${err})`;
  }
}

const missing = missingTools();
if (missing) {
  console.error(
    `agc-node: ${reason}, and it cannot be built from source: ${missing.join(' and ')} not found on PATH.\n` +
      `agc-node: install them, then run \`npm rebuild agc-node\` (prebuilt platforms and build requirements: see the README).`,
  );
  process.exit(1);
}
console.error(`agc-node: ${reason}; building from source with cmake-js`);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`agc-node: the source build failed (see above); prebuilt platforms and build requirements: see the README`);
  process.exit(r.status === null ? 1 : r.status);
}
