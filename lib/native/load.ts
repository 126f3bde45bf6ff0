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

const loader = require('node-gyp-build') as (dir: string) => unknown;

/**
 * The raw native binding; see binding.d.ts. AGC_NODE_ADDON names another build of the addon
 * (the sanitizer build of `npm run test:asan`).
 */
export const native = (process.env.AGC_NODE_ADDON ? require(path.resolve(process.env.AGC_NODE_ADDON)) : loader(packageRoot)) as typeof Binding;
export { packageRoot };
