// Bundles the CLI's read side (lib/cli/read-entry.ts), its write side (lib/cli/write-entry.ts)
// and the compress worker into one module each, in dist/lib/cli, so that a
// command loads 2 modules instead of ~35-40 (node's ESM resolution and loading dominate a short command's start-up).
// Optional: without esbuild (a dev dependency) nothing is bundled and the CLI loads the
// unbundled modules, with the same behaviour.
//   node scripts/build-cli.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.log('build-cli: esbuild not installed; the CLI will load unbundled modules');
  process.exit(0);
}

// The bundles sit in dist/lib/cli, one level below dist/lib like dist/lib/native/load.js, so the
// addon lookup relative to import.meta.url finds the same package root. node-gyp-build is CommonJS
// and loads the addon with require(): give the ESM bundle a real require.
// The reader's dynamic import of the pure-TypeScript reader (URLs, Blobs; with fzstd and the HTTP
// code, a sixth of the bundle) stays a separate module: no read command opens anything but a
// path, and every byte of a bundle is parsed at start-up. From dist/lib/cli the import's path
// resolves to the compiled module, as it does from dist/lib/read.
const remoteReaderExternal = {
  name: 'remote-reader-external',
  setup(build) {
    build.onResolve({ filter: /\/web\/remote-archive\.js$/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};

// Node's built-in modules are loaded with require() rather than import: an import makes an ES
// module facade of the builtin, reading every export (node:fs's lazy ReadStream getter loads the
// streams code), which costs several ms of a short command's start-up.
const builtinsAsRequire = {
  name: 'builtins-as-require',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      // the require() in the stand-in module below is the real one
      args.namespace === 'builtin-require' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin-require' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const banner = "import { createRequire as __agcCreateRequire } from 'node:module'; const require = __agcCreateRequire(import.meta.url);";
for (const [entry, out] of [
  ['lib/cli/read-entry.ts', 'dist/lib/cli/read-bundle.js'],
  // the write side: create/append, and the compress worker (found by workerSpec in
  // lib/write/workers/pool.ts, from the write bundle and from the compiled library alike)
  ['lib/cli/write-entry.ts', 'dist/lib/cli/write-bundle.js'],
  ['lib/write/workers/worker-entry.ts', 'dist/lib/cli/compress-worker-bundle.js'],
]) {
  await esbuild.build({
    entryPoints: [path.join(root, entry)],
    outfile: path.join(root, out),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'bundle',
    banner: { js: banner },
    minify: false,
    sourcemap: false,
    logLevel: 'warning',
    plugins: [remoteReaderExternal, builtinsAsRequire],
  });
}

// The whole command line but its write side as one CommonJS file, which bin.cjs loads through a
// code cache (lib/cli/code-cache.cts): node's ES module loader and the compilation of the bundle
// were a third of a short command's start-up on Node 20. import.meta.url becomes the file's URL;
// main.ts's fallbacks to the unbundled sides stay outside (the bundles exist beside it).
const mainFallbacksExternal = {
  name: 'main-fallbacks-external',
  setup(build) {
    build.onResolve({ filter: /\/(read|write)-entry\.js$/ }, (args) =>
      args.kind === 'dynamic-import' && /main\.ts$/.test(args.importer) ? { path: args.path, external: true } : undefined,
    );
  },
};
// A default import of a node builtin (`import fs from 'node:fs'`) becomes esbuild's __toESM
// interop, which defines a getter for every export of the module (fs has about a hundred): ~0.5
// ms of a read command's start-up over the dozen such imports. A builtin is plain CommonJS, so
// an object with the module as its default and as its prototype (for named imports) serves.
const cliBuild = await esbuild.build({
  entryPoints: [path.join(root, 'lib/cli/cli-entry.ts')],
  outfile: path.join(root, 'dist/lib/cli/cli.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  define: { 'import.meta.url': '__agcModuleUrl', AGC_NODE_ONE_FILE_CLI: 'true' },
  banner: {
    js: "const __agcModuleUrl = require('node:url').pathToFileURL(__filename).href; const __agcBuiltin = (m) => ({ __proto__: m, default: m });",
  },
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
  plugins: [remoteReaderExternal, mainFallbacksExternal],
  write: false,
});
for (const file of cliBuild.outputFiles) fs.writeFileSync(file.path, file.text.replaceAll('__toESM(require("node:', '__agcBuiltin(require("node:'));
