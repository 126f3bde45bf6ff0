// Issue 2: `npm run prebuild` writes prebuilds/<platform>-<arch>/, and the package loads from it
// when there is no build/ at all (which is what npm users of a published package get).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, goldenDir } from './shared-data.js';

const prebuildDir = path.join(repoRoot, 'prebuilds', `${process.platform}-${process.arch}`);
const hasPrebuild = () => fs.existsSync(prebuildDir) && fs.readdirSync(prebuildDir).some((f) => f.endsWith('.node'));

describe('prebuilt binary', () => {
  it('is written by npm run prebuild and loads without build/', { timeout: 600_000 }, () => {
    if (!hasPrebuild()) {
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'prebuild.cjs')], { cwd: repoRoot, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    expect(hasPrebuild()).toBe(true);

    // A copy of the installed package: compiled JS and prebuilds, no build/ folder.
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-prebuild-'));
    try {
      fs.cpSync(path.join(repoRoot, 'dist'), path.join(pkg, 'dist'), { recursive: true });
      fs.cpSync(path.join(repoRoot, 'prebuilds'), path.join(pkg, 'prebuilds'), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(pkg, 'package.json'));
      fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
      expect(fs.existsSync(path.join(pkg, 'build'))).toBe(false);
      const archive = path.join(goldenDir, 'mers-tiny-default', 'archive.agc');
      const script = `
        const gyp = require('node-gyp-build');
        console.log(gyp.path(${JSON.stringify(pkg)}));
        import(${JSON.stringify(path.join(pkg, 'dist', 'lib', 'index.js'))}).then((m) => {
          const a = m.CppArchive.open(${JSON.stringify(archive)});
          console.log(m.zstdVersion(), a.numStreams);
          a.close();
        });`;
      const r = spawnSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8', env: { ...process.env, AGC_NODE_ADDON: '' } });
      expect(r.stderr).toBe('');
      const [loaded, info] = r.stdout.trim().split('\n');
      expect(loaded.startsWith(path.join(pkg, 'prebuilds'))).toBe(true);
      expect(info).toBe('1.5.6 29');

      // The published type declarations are complete: a strict consumer type-checks against them.
      fs.copyFileSync(path.join(repoRoot, 'binding.d.ts'), path.join(pkg, 'binding.d.ts'));
      fs.writeFileSync(
        path.join(pkg, 'consumer.ts'),
        `import { CppArchive, AgcArchive, createArchive } from './dist/lib/index.js';
        const a: CppArchive = CppArchive.open('x.agc');
        const part: { data: Uint8Array; metadata: number } = a.getPart(0, 0);
        const n: number = a.native.getNumStreams();
        void part; void n; void AgcArchive.open; void createArchive;\n`,
      );
      const tsc = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2022,esnext.disposable', '--types', 'node', 'consumer.ts'],
        { cwd: pkg, encoding: 'utf8' },
      );
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  });
});
