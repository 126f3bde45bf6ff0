// The command line as one CommonJS file (dist/lib/cli/cli.cjs, scripts/build-cli.mjs), which
// bin.cts loads through V8's code cache (code-cache.cts): main and the read side together, the
// read side evaluated only when a read command runs (as main.ts loads it otherwise), the write
// side left in its own bundle, imported by bin.cts's import().
import { provideModuleLoaders } from './main.js';

provideModuleLoaders(() => import('./read-entry.js'));
export { provideModuleLoaders, runFromCommandLine } from './main.js';
export { offerWarmStart } from './warm-start.js';
