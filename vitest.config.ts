import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Two tiers (see README, "Developing"):
// - unit: everything that is quick; `npm test` runs it after the lint. The klebsiella-8 cases and
//   the slow stress tests inside these files are skipped (AGC_QUICK=1).
// - heavy: golden byte-identity of create/append, the CLI end to end, synthetic round trips and the
//   package test; only `npm run test:all` (AGC_FULL=1, all projects) runs them.
const HEAVY = [
  'test/create.test.ts',
  'test/append.test.ts',
  'test/compress-synthetic.test.ts',
  'test/create-cli.test.ts',
  'test/create-errors.test.ts',
  'test/cli-read.test.ts',
  'test/package.test.ts',
  'test/browser.test.ts',
  'test/reliability.test.ts',
  'test/fuzz.test.ts',
  'test/compress-synth-tool.test.ts',
  'test/create-stats.test.ts',
];
const full = process.env.AGC_FULL === '1';

// Most tests read the golden archives and genomes in ../shared, which exists beside the checkout in
// the project's own CI (.ci/run) but not on GitHub's runners. Without it the unit tier runs the
// test files that need no shared data, and says so.
const sharedAvailable = fs.existsSync(path.resolve(import.meta.dirname, '..', 'shared', 'golden', 'MANIFEST.json'));
const needsShared = sharedAvailable
  ? []
  : fs
      .readdirSync(path.join(import.meta.dirname, 'test'))
      .filter(
        (f) =>
          f.endsWith('.test.ts') &&
          /from '\.\/(shared-data|helpers\/golden-groups)\.js'/.test(fs.readFileSync(path.join(import.meta.dirname, 'test', f), 'utf8')),
      )
      .map((f) => `test/${f}`);
if (needsShared.length > 0) console.warn(`../shared not found: skipping ${needsShared.length} test files that need it`);

export default defineConfig({
  // TypeScript in .cts too (lib/cli/direct-stdout.cts is shared by CommonJS bin.cts and the ES modules)
  oxc: { include: /\.(m?ts|cts|[jt]sx)$/ },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...HEAVY, ...needsShared],
          env: full ? {} : { AGC_QUICK: '1' },
          // Generous for a loaded 2-core machine; idle, no unit test takes more than a few seconds.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'heavy',
          include: HEAVY,
          // Real compression of golden inputs and CLI processes; single tests set longer limits.
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
