// The npm package as a user gets it (test:all tier: it packs, compiles the addon twice and installs
// twice, minutes on a small machine). From a copy of the sources it runs `npm pack` (prepack
// vendors zstd, prepare compiles the TypeScript), checks what the tarball holds, and installs it
// into new projects:
//   (a) with this platform's prebuilt binary (made by `npm run prebuild`) in the tarball and no
//       compiler or cmake on PATH: the install must not build anything;
//   (b) without prebuilt binaries, with the compiler: the install builds from the tarball alone.
// Each installed package is imported from ESM and from CommonJS, reads a golden archive and runs
// the CLI through npx. Install times and sizes are printed (the README quotes them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, caseDir } from './shared-data.js';

const full = !!process.env.AGC_FULL && process.platform !== 'win32';
const golden = caseDir('mers-tiny-default');
const archive = path.join(golden, 'archive.agc');
const platformDir = `prebuilds/${process.platform}-${process.arch}/`;
const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');
const goldenSha = (file: string) => fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0];

// npm itself, run by this node (the test must not depend on which npm is first on PATH).
function npmCli(): string {
  const candidates = [process.env.npm_execpath, path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const found = candidates.find((p) => p && p.endsWith('npm-cli.js') && fs.existsSync(p));
  if (!found) throw new Error(`npm-cli.js not found (tried ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

// The environment of a user's shell: none of the variables npm or the test suite set.
function userEnv(pathValue: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|AGC_|VITEST|CC$|CXX$|NODE_OPTIONS$|INIT_CWD$)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = pathValue;
  return env;
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions & { cwd: string }) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  const out = String(r.stdout ?? '') + String(r.stderr ?? '');
  if (r.error || r.status !== 0)
    throw new Error(`${[cmd, ...args].join(' ')} (in ${opts.cwd}) failed: ${r.error?.message ?? `exit ${r.status}`}\n${out.slice(-4000)}`);
  return { stdout: String(r.stdout ?? ''), out, seconds };
}

function onPath(name: string, pathValue: string): boolean {
  return pathValue.split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, name)));
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;

interface Packed {
  file: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

// `npm pack --json` in `dir`, into `dest`.
function pack(dir: string, dest: string, env: NodeJS.ProcessEnv, extra: string[] = []): Packed {
  fs.mkdirSync(dest, { recursive: true });
  const r = run(process.execPath, [npmCli(), 'pack', '--json', '--pack-destination', dest, ...extra], { cwd: dir, env });
  const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0];
  return { file: path.join(dest, json.filename), size: json.size, unpackedSize: json.unpackedSize, files: json.files.map((f: { path: string }) => f.path) };
}

// A new project with the tarball installed; returns the install time.
function install(dir: string, tarball: string, env: NodeJS.ProcessEnv) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), version: '1.0.0', private: true }, null, 2));
  // --prefer-offline: dependencies come from the npm cache when they are there, so the time
  // measures the install rather than the registry. --foreground-scripts: the install script's output.
  return run(process.execPath, [npmCli(), 'install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: dir, env });
}

// What a user does with the installed package: ESM, CommonJS, the CLI.
function useInstalled(dir: string, env: NodeJS.ProcessEnv, node: string) {
  const q0 = fs.readFileSync(path.join(golden, 'getctg', 'q0.fa'), 'utf8');
  const q0Contig = JSON.parse(fs.readFileSync(path.join(golden, 'getctg', 'q0.args'), 'utf8'))[0] as string;
  const q0Seq = q0.split('\n').slice(1).join('');
  const body = (imp: string) => `
    ${imp}
    (async () => {
      const a = await AgcArchive.open(${JSON.stringify(archive)});
      const seq = await a.getSequence({ sample: 'EMC_2012', contig: ${JSON.stringify(q0Contig)} });
      const out = { zstd: zstdVersion(), samples: await a.samples(), seq: seq && require('node:crypto').createHash('sha256').update(seq).digest('hex'), binding: require('node-gyp-build').path(require('node:path').dirname(require.resolve('agc-node/package.json'))) };
      a.close();
      console.log(JSON.stringify(out));
    })();`;
  fs.writeFileSync(
    path.join(dir, 'check.mjs'),
    body(`import { AgcArchive, zstdVersion } from 'agc-node';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);`),
  );
  fs.writeFileSync(path.join(dir, 'check.cjs'), body(`const { AgcArchive, zstdVersion } = require('agc-node');`));
  const samples = fs.readFileSync(path.join(golden, 'listset.txt'), 'utf8').split('\n').filter(Boolean);
  const results = ['check.mjs', 'check.cjs'].map((f) => JSON.parse(run(node, [f], { cwd: dir, env }).stdout));
  for (const r of results) {
    expect(r.zstd).toBe('1.5.6');
    expect([...r.samples].sort()).toEqual([...samples].sort());
    expect(r.seq).toBe(sha256(q0Seq));
  }

  const npx = path.join(path.dirname(npmCli()), 'npx-cli.js');
  const getset = run(node, [npx, '--no', 'agc-node', 'getset', '-l', '80', archive, 'EMC_2012'], { cwd: dir, env });
  expect(sha256(getset.stdout)).toBe(goldenSha(path.join(golden, 'getset', 'EMC_2012.fa.sha256')));
  const listset = run(node, [npx, '--no', 'agc-node', 'listset', archive], { cwd: dir, env });
  expect(listset.stdout).toBe(fs.readFileSync(path.join(golden, 'listset.txt'), 'utf8'));
  return results[0].binding as string;
}

describe.skipIf(!full)('npm package (pack, install, use)', () => {
  let work = '';
  let src = '';
  let packedSrc: Packed;
  let packedBin: Packed;
  const fullEnv = userEnv(process.env.PATH ?? '');

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-package-'));
    // The sources as a clone has them (packing in the checkout would rewrite dist/ under the
    // other test files), with the checkout's node_modules for the devDependencies.
    src = path.join(work, 'src');
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'tsconfig.json',
      'binding.d.ts',
      'CMakeLists.txt',
      'lib',
      'native',
      'vendor',
      'scripts',
    ]) {
      fs.cpSync(path.join(repoRoot, f), path.join(src, f), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(src, 'node_modules'), 'dir');

    packedSrc = pack(src, path.join(work, 'pack-src'), fullEnv);
    // This platform's prebuilt binary, as the release workflow makes it, then the same tarball
    // with it (the sources and dist/ are already in place: no scripts this time).
    run(process.execPath, [npmCli(), 'run', 'prebuild', '--', '--out', src], { cwd: src, env: fullEnv });
    packedBin = pack(src, path.join(work, 'pack-bin'), fullEnv, ['--ignore-scripts']);
    console.log(
      `package: tarball ${mib(packedBin.size)} with the ${process.platform}-${process.arch} prebuild (${mib(packedSrc.size)} without), unpacked ${mib(packedBin.unpackedSize)}`,
    );
  }, 1_800_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('holds what the package needs at run and build time, and nothing else', () => {
    for (const p of [packedSrc, packedBin]) {
      for (const f of [
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/cli/main.js',
        'dist/lib/cli/bin.cjs',
        'dist/binding.d.ts',
        'scripts/install.cjs',
        'CMakeLists.txt',
        'vendor/agc/CMakeLists.txt',
        'deps/zstd/LICENSE',
        'deps/zstd/COPYING',
        'deps/zstd/lib/zstd.h',
        'deps/zstd/lib/compress/zstd_compress.c',
      ]) {
        expect(p.files, f).toContain(f);
      }
      expect(
        p.files.filter(
          (f) => f.startsWith('vendor/agc/tests/') || f.endsWith('.map') || f.startsWith('lib/') || f.startsWith('test/') || f.startsWith('node_modules/'),
        ),
      ).toEqual([]);
      expect(p.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    }
    expect(packedSrc.files.filter((f) => f.startsWith('prebuilds/'))).toEqual([]);
    expect(packedBin.files.filter((f) => f.startsWith(platformDir) && f.endsWith('.node'))).toHaveLength(1);
    // Published types carry no CLI-only members.
    const dts = fs.readFileSync(path.join(src, 'dist', 'lib', 'read', 'agc-archive.d.ts'), 'utf8');
    expect(dts).toContain('getSequence(');
    expect(dts).not.toMatch(/formatRecordInto|bulkBuffers|recordWriter\(|extractionSource/);
  });

  it('(a) installs with the prebuilt binary and no compiler or cmake on PATH', { timeout: 600_000 }, () => {
    // PATH: only node, npm, npx and a shell.
    const tools = path.join(work, 'tools');
    fs.mkdirSync(tools);
    fs.symlinkSync(process.execPath, path.join(tools, 'node'));
    fs.symlinkSync(npmCli(), path.join(tools, 'npm'));
    fs.symlinkSync(path.join(path.dirname(npmCli()), 'npx-cli.js'), path.join(tools, 'npx'));
    fs.symlinkSync('/bin/sh', path.join(tools, 'sh'));
    const env = userEnv(tools);
    for (const t of ['cc', 'gcc', 'c++', 'g++', 'clang', 'clang++', 'cmake', 'make', 'ninja']) expect(onPath(t, tools), t).toBe(false);

    const app = path.join(work, 'app-prebuilt');
    const r = install(app, packedBin.file, env);
    const pkg = path.join(app, 'node_modules', 'agc-node');
    expect(fs.existsSync(path.join(pkg, 'build')), 'nothing was compiled').toBe(false);
    expect(fs.existsSync(path.join(app, 'node_modules', 'zstd-napi'))).toBe(false);
    expect(r.out).not.toMatch(/building from source/);

    const binding = useInstalled(app, env, path.join(tools, 'node'));
    expect(binding.startsWith(path.join(pkg, platformDir))).toBe(true);

    // The published declarations are complete: a strict consumer type-checks against them. The DOM
    // lib is needed because generic-filehandle2's declarations (the byte sources) name RequestInfo.
    fs.writeFileSync(
      path.join(app, 'consumer.mts'),
      `import { CppArchive, AgcArchive, createArchive, type AgcError } from 'agc-node';
      const a: CppArchive = CppArchive.open('x.agc');
      const part: { data: Uint8Array; metadata: number } = a.getPart(0, 0);
      const n: number = a.numStreams;
      const e: AgcError | undefined = undefined;
      void part; void n; void e; void AgcArchive.open; void createArchive;\n`,
    );
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--target',
        'ES2022',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--lib',
        'ES2022,esnext.disposable,DOM',
        '--typeRoots',
        path.join(repoRoot, 'node_modules', '@types'),
        '--types',
        'node',
        'consumer.mts',
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    console.log(
      `package: (a) install with prebuild, no compiler: ${r.seconds.toFixed(1)} s; node_modules ${mib(treeBytes(path.join(app, 'node_modules')))} (agc-node ${mib(treeBytes(pkg))})`,
    );
  });

  it('(b) installs without prebuilt binaries by building from the tarball', { timeout: 1_800_000 }, () => {
    const app = path.join(work, 'app-source');
    const r = install(app, packedSrc.file, fullEnv);
    const pkg = path.join(app, 'node_modules', 'agc-node');
    // zstd comes from the package itself, not from zstd-napi (which is not installed at all).
    expect(r.out).toContain(`zstd sources: ${path.join(pkg, 'deps', 'zstd', 'lib')}`);
    expect(fs.existsSync(path.join(app, 'node_modules', 'zstd-napi'))).toBe(false);

    const binding = useInstalled(app, fullEnv, process.execPath);
    expect(binding).toBe(path.join(pkg, 'build', 'Release', 'agc_node.node'));
    console.log(`package: (b) install from source: ${r.seconds.toFixed(1)} s; node_modules ${mib(treeBytes(path.join(app, 'node_modules')))}`);
  });
});
