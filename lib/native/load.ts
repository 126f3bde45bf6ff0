// The one place that loads the raw binding. node-gyp-build picks build/Release or
// prebuilds/<platform>-<arch>/ (the latter is what npm users get).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type * as Binding from '../../binding.js';

const require = createRequire(import.meta.url);
// lib/native/load.ts runs from sources (tests) and from dist/lib/native/load.js (the package).
const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.basename(path.resolve(here, '..', '..')) === 'dist' ? path.resolve(here, '..', '..', '..') : path.resolve(here, '..', '..');

/**
 * The addon as node-gyp-build finds it. Its own first choice, the local build, is tried directly
 * first: loading node-gyp-build (with its look-up of the package, the platform and the libc) cost
 * a short command ~5 ms of start-up. Its variables that pick another binary are left to it.
 */
function loadAddon(): unknown {
  if (!process.env.AGC_NODE_PREBUILD && !process.env.PREBUILDS_ONLY) {
    const local = path.join(packageRoot, 'build', 'Release', 'agc_node.node');
    try {
      return require(local);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(local)) throw e;
    }
  }
  return (require('node-gyp-build') as (dir: string) => unknown)(packageRoot);
}

/**
 * The raw native binding; see binding.d.ts. AGC_NODE_ADDON names another build of the addon
 * (the sanitizer build of `npm run test:asan`).
 */
export const native = (process.env.AGC_NODE_ADDON ? require(path.resolve(process.env.AGC_NODE_ADDON)) : loadAddon()) as typeof Binding;
export { packageRoot };
