// ESM loader hooks that let worker threads import the TypeScript sources directly (tests run
// lib/*.ts through vitest, but worker threads are plain Node): '.js' imports resolve to the '.ts'
// file beside them, and '.ts' files are transpiled with TypeScript (types stripped, no checks).
// Used through AGC_NODE_TS_LOADER (see lib/write/workers/pool.ts and helpers/compress-env.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

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
  const out = ts.transpileModule(src, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
