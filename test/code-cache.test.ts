// The command line's code cache (lib/cli/code-cache.cts): a second run loads the compiled code,
// and nothing it finds on disk can make a run fail or run other code.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const loader = path.resolve(import.meta.dirname, '..', 'dist', 'lib', 'cli', 'code-cache.cjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agc-code-cache-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// (node >= 22.1 uses its own compile cache: this file tests the cache of older versions)
const ownCache = typeof ((await import('node:module')).default as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** Loads `file` with the cache in `dir` in a fresh process; returns what it printed. */
function load(file: string, dir: string): string {
  const code = `const m = require(${JSON.stringify(loader)}).requireWithCodeCache(${JSON.stringify(file)}); process.stdout.write(String(m.answer()));`;
  const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, NODE_COMPILE_CACHE: dir }, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const caches = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []);

describe.skipIf(ownCache)('code cache of the command line', () => {
  it('is written by the first run, used by the next, and replaced when the file changes', () => {
    const dir = path.join(work, 'cache');
    const file = path.join(work, 'mod.cjs');
    fs.writeFileSync(file, 'exports.answer = () => 6 * 7;\n');
    expect(load(file, dir)).toBe('42');
    expect(caches(dir)).toHaveLength(1);
    expect(fs.statSync(dir).mode & 0o077).toBe(0);
    const [first] = caches(dir);
    const written = fs.statSync(path.join(dir, first!)).mtimeMs;
    expect(load(file, dir)).toBe('42');
    // a hit is not written again
    expect(fs.statSync(path.join(dir, first!)).mtimeMs).toBe(written);
    // same length, other code: another cache, and the old one goes
    fs.writeFileSync(file, 'exports.answer = () => 6 + 7;\n');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(load(file, dir)).toBe('13');
    expect(caches(dir)).toHaveLength(1);
    expect(caches(dir)[0]).not.toBe(first);
  });

  it('ignores a corrupt cache and writes a good one', () => {
    const dir = path.join(work, 'corrupt');
    const file = path.join(work, 'mod2.cjs');
    fs.writeFileSync(file, 'exports.answer = () => "ok";\n');
    expect(load(file, dir)).toBe('ok');
    const [name] = caches(dir);
    fs.writeFileSync(path.join(dir, name!), Buffer.alloc(300, 0xab));
    expect(load(file, dir)).toBe('ok');
    expect(fs.readFileSync(path.join(dir, name!)).equals(Buffer.alloc(300, 0xab))).toBe(false);
  });

  it('does not use a directory that others may write to', () => {
    const dir = path.join(work, 'open');
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    const file = path.join(work, 'mod3.cjs');
    fs.writeFileSync(file, 'exports.answer = () => 3;\n');
    expect(load(file, dir)).toBe('3');
    expect(caches(dir)).toEqual([]);
  });

  it('throws ENOENT for a missing file', async () => {
    const { requireWithCodeCache } = (await import(loader)) as { requireWithCodeCache(f: string): unknown };
    expect(() => requireWithCodeCache(path.join(work, 'none.cjs'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
