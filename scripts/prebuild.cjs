'use strict';
// npm run prebuild — prebuildify (N-API, stripped) driving our cmake-js build.
// prebuildify only knows node-gyp, so it is handed a stand-in that answers `rebuild` by running
// cmake-js into build-prebuild/ (leaving build/ of the developer's tree alone).
const path = require('path');
const prebuildify = require('prebuildify');

const root = path.join(__dirname, '..');
const shim = path.join(__dirname, 'prebuild-gyp-shim.cjs');

prebuildify(
  {
    cwd: root,
    napi: true,
    strip: true,
    shell: true,
    nodeGyp: `"${process.execPath}" "${shim}"`,
    output: path.join(root, 'build-prebuild', 'Release'),
    arch: process.env.PREBUILD_ARCH || process.arch,
  },
  (err) => {
    if (err) {
      console.error(`prebuild failed: ${err.message}`);
      process.exit(1);
    }
    console.log(`prebuild: wrote ${path.join(root, 'prebuilds', `${process.platform}-${process.env.PREBUILD_ARCH || process.arch}`)}`);
  },
);
