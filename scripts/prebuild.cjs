'use strict';
// npm run prebuild [-- --out DIR] — prebuildify (N-API, stripped, tagged with the libc on Linux)
// driving our cmake-js build; writes DIR/prebuilds/<platform>-<arch>/ (DIR defaults to the package).
// prebuildify only knows node-gyp, so it is handed a stand-in that answers `rebuild` by running
// cmake-js. prebuildify always takes the binary from <cwd>/build/Release (and strips and moves
// it), so it runs in a staging folder: the developer's build/ — which running tests may have
// loaded — is never touched.
const fs = require('fs');
const path = require('path');
const prebuildify = require('prebuildify');

const root = path.join(__dirname, '..');
const staging = path.join(root, 'build-prebuild');
const shim = path.join(__dirname, 'prebuild-gyp-shim.cjs');
const arch = process.env.PREBUILD_ARCH || process.arch;
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 && process.argv[outArg + 1] ? path.resolve(process.argv[outArg + 1]) : root;

fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(staging, { recursive: true });

prebuildify(
  {
    cwd: staging,
    out,
    name: require(path.join(root, 'package.json')).name,
    napi: true,
    strip: true,
    shell: true,
    nodeGyp: `"${process.execPath}" "${shim}"`,
    arch,
    // glibc and musl (Alpine) binaries sit side by side; node-gyp-build picks the one that fits.
    tagLibc: process.platform === 'linux',
  },
  (err) => {
    if (err) {
      console.error(`prebuild failed: ${err.message}`);
      process.exit(1);
    }
    console.log(`prebuild: wrote ${path.join(out, 'prebuilds', `${process.platform}-${arch}`)}`);
  },
);
