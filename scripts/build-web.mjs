// Bundle the browser entry (lib/web/index.ts) or another entry with esbuild and report its size.
//   node scripts/build-web.mjs [entry.ts] [out.js]
// Default: lib/web/index.ts -> dist/web/agc-node-web.min.js (ESM, minified, browser platform).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundle `entry` to `outfile`; returns { bytes, gzipBytes }. */
export async function bundleWeb(entry = path.join(root, 'lib/web/index.ts'), outfile = path.join(root, 'dist/web/agc-node-web.min.js'), minify = true) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: false,
    logLevel: 'warning',
  });
  const code = fs.readFileSync(outfile);
  return { outfile, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, out] = process.argv.slice(2);
  const r = await bundleWeb(entry && path.resolve(entry), out && path.resolve(out));
  console.log(`${path.relative(root, r.outfile)}: ${r.bytes} bytes minified, ${r.gzipBytes} bytes gzipped`);
}
