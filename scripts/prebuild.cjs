'use strict';
// npm run prebuild — prebuildify (N-API, stripped) driving our cmake-js build.
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

fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(staging, { recursive: true });

prebuildify(
  {
    cwd: staging,
    out: root,
    name: require(path.join(root, 'package.json')).name,
    napi: true,
    strip: true,
    shell: true,
    nodeGyp: `"${process.execPath}" "${shim}"`,
    arch,
  },
  (err) => {
    if (err) {
      console.error(`prebuild failed: ${err.message}`);
      process.exit(1);
    }
    console.log(`prebuild: wrote ${path.join(root, 'prebuilds', `${process.platform}-${arch}`)}`);
  },
);
