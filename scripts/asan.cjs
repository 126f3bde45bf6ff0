'use strict';
// npm run test:asan — AddressSanitizer + UBSan over the native code:
//  1. the agc_core C++ tests, built with sanitizers (leak checking on);
//  2. the addon built with sanitizers into build-asan/, loaded by node with the ASan runtime
//     preloaded, running the native-core vitest files (leak checking off: node itself "leaks"
//     at exit by design).
// Any sanitizer report fails the run (halt_on_error).
const { spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const shared = path.resolve(root, '..', 'shared');
const flags = '-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1';

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`test:asan: ${cmd} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const sanEnv = {
  ...process.env,
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
};

// 1. C++ tests
const nativeDir = path.join(root, 'build-asan-native');
run('cmake', ['-S', 'vendor/agc', '-B', nativeDir, '-DCMAKE_BUILD_TYPE=Debug', `-DCMAKE_C_FLAGS=${flags}`, `-DCMAKE_CXX_FLAGS=${flags}`]);
run('cmake', ['--build', nativeDir, '-j2']);
run(path.join(nativeDir, 'agc_core_tests'), [shared], {
  env: { ...sanEnv, ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=1' },
});

// 2. the addon under node
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
run(process.execPath, [cmakeJs, 'compile', '--out', 'build-asan', '-D', `--CDCMAKE_C_FLAGS=${flags}`, `--CDCMAKE_CXX_FLAGS=${flags}`]);
const addon = path.join(root, 'build-asan', 'Debug', 'agc_node.node');
const addonRel = fs.existsSync(addon) ? addon : path.join(root, 'build-asan', 'Release', 'agc_node.node');
const gcc = process.env.CC || 'gcc';
const libasan = execFileSync(gcc, ['-print-file-name=libasan.so']).toString().trim();
const libubsan = execFileSync(gcc, ['-print-file-name=libubsan.so']).toString().trim();
const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
run(
  process.execPath,
  [
    vitest,
    'run',
    'test/native-core.test.ts',
    'test/native-misuse.test.ts',
    'test/range-kernels.test.ts',
    'test/range-query.test.ts',
    'test/part-ring.test.ts',
    'test/native-extract.test.ts',
    'test/warm-start.test.ts',
  ],
  {
    env: {
      ...sanEnv,
      AGC_NODE_ADDON: addonRel,
      LD_PRELOAD: `${libasan} ${libubsan}`,
      ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=0',
    },
  },
);
console.log('test:asan: clean');
