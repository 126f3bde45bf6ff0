// ESM loader hooks that let worker threads import the TypeScript sources directly (tests run
// lib/*.ts through vitest, but worker threads are plain Node): '.js' imports resolve to the '.ts'
// file beside them, and '.ts' files are transpiled with TypeScript (types stripped, no checks).
// Used through AGC_NODE_TS_LOADER (see lib/write/workers/pool.ts and helpers/compress-env.ts).
//
// Every compress worker runs these hooks on a thread of its own, and loading the typescript
// package there costs about a second of CPU: with a few workers per create/append call, that was
// most of the time of the golden tests on small inputs. So transpiled modules are kept on disk,
// keyed by a hash of their source, and typescript is only loaded on a cache miss.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cacheDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.cache', 'agc-ts-worker');
let ts;
/** Change it when the transpile options below change: it invalidates the cache. */
const TRANSPILE_VERSION = 'es2022-esnext-inline-map-1\0';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts') && (specifier.startsWith('.') || specifier.startsWith('file:'))) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const tsUrl = url.href.slice(0, -3) + '.ts';
      if (existsSync(fileURLToPath(tsUrl))) return { url: tsUrl, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const src = await readFile(file, 'utf8');
  // The file name is part of the key (the inline source map names it), and so are the options.
  const key = createHash('sha256').update(TRANSPILE_VERSION).update(file).update('\0').update(src).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  ts ??= (await import('typescript')).default;
  const out = ts.transpileModule(src, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  try {
    mkdirSync(cacheDir, { recursive: true });
    // Written under a unique name and renamed: workers of other test files may read it meanwhile.
    const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, out.outputText);
    renameSync(tmp, cached);
  } catch {
    // A read-only checkout only loses the cache.
  }
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
