// Lets the compressor's worker threads load lib/*.ts when tests run from sources (import first).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.AGC_NODE_TS_LOADER ??= pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'ts-worker-loader.mjs')).href;
