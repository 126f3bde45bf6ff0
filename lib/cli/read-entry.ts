// What main.ts loads for the read commands: the commands and the state they share with main
// (canExitAbruptly). `npm run build:ts` also bundles this file into one module (read-bundle.js,
// scripts/build-cli.mjs): resolving and loading some 35 separate modules is most of a short
// command's start-up on Node 20, which has no module compile cache.
export * from './commands/read.js';
export { canExitAbruptly } from './common.js';
// main.ts enables it from here: a separate import of it cost each command ~5 ms of start-up.
export { enableInterruptCleanup } from '../interrupt-cleanup.js';
