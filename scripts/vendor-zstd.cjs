'use strict';
// npm prepack hook: copy zstd 1.5.6's C sources (and its licence files) from the devDependency
// zstd-napi into deps/zstd/, so the published package builds from source without installing
// zstd-napi — whose own install script would compile an addon we never load.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'deps', 'zstd');

let zstdNapi;
try {
  zstdNapi = path.dirname(require.resolve('zstd-napi/package.json', { paths: [root] }));
} catch {
  console.error('vendor-zstd: the devDependency zstd-napi is not installed; run npm ci first');
  process.exit(1);
}
const src = path.join(zstdNapi, 'deps', 'zstd');
const header = fs.readFileSync(path.join(src, 'lib', 'zstd.h'), 'utf8');
const version = ['MAJOR', 'MINOR', 'RELEASE'].map((part) => (header.match(new RegExp(`#define ZSTD_VERSION_${part}\\s+(\\d+)`)) || [])[1]).join('.');
// Archives are byte-identical to upstream's only with this exact zstd release.
if (version !== '1.5.6') {
  console.error(`vendor-zstd: ${src} holds zstd ${version}; agc-node needs exactly 1.5.6 (zstd-napi@0.0.8)`);
  process.exit(1);
}

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
for (const dir of ['common', 'compress', 'decompress']) {
  fs.cpSync(path.join(src, 'lib', dir), path.join(out, 'lib', dir), { recursive: true });
}
for (const file of ['zstd.h', 'zstd_errors.h', 'zdict.h']) fs.copyFileSync(path.join(src, 'lib', file), path.join(out, 'lib', file));
for (const file of ['LICENSE', 'COPYING']) fs.copyFileSync(path.join(src, file), path.join(out, file));
console.log(`vendor-zstd: zstd ${version} sources -> ${path.relative(root, out)}`);
