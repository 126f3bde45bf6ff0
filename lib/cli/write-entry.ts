// What main.ts loads for the write commands. `npm run build:ts` also bundles this file into one
// module (write-bundle.js, scripts/build-cli.mjs), and the compress worker into another
// (compress-worker-bundle.js, see workerSpec in write/workers/pool.ts): loading the ~40 modules of
// the writer one by one costs ~0.1 s of every create/append, in the main thread and again in each
// worker thread.
export { run as create } from './commands/create.js';
export { run as append } from './commands/append.js';
// main.ts enables it from here: a separate import of it cost each command ~5 ms of start-up.
export { enableInterruptCleanup } from '../interrupt-cleanup.js';
