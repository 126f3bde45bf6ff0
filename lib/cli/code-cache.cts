// Loading a CommonJS file with V8's compiled code kept on disk, for the command line's start-up
// on Node versions without module.enableCompileCache (added in Node 22.1, which is then used
// instead). Compiling the CLI's one-file bundle cost a short command about as much as the work
// it came for (listset: ~10 ms of ~40 ms over node's own start-up).
//
// The cache is an optimisation only: anything unexpected (no such directory and no way to make
// it, a directory that others could write to, a file V8 rejects, a failed write) means the file
// is compiled as without it. A cache file is written whole under a temporary name and renamed,
// so a concurrent run never reads half of one. Its name carries node's version and architecture,
// and the bundle's path, size and modification time: V8 itself checks its own version and flags
// but of the source only its length, and would run a cache made for another file of that length.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodeModule from 'node:module';
import vm from 'node:vm';

/** The per-user cache directory, made private; undefined when it cannot be trusted. */
function cacheDirectory(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const base = process.env.NODE_COMPILE_CACHE || path.join(os.tmpdir(), `agc-node-code-cache-${uid}`);
  try {
    fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(base);
    // (a directory others could write to could hand this process code to run)
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return undefined;
    return base;
  } catch {
    return undefined;
  }
}

/** 32-bit FNV-1a of a path, in hex (the cache file names; crypto cost several ms to load). */
function pathHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/**
 * The exports of CommonJS file `file`, compiled with the code cache (Node >= 22.1: node's own
 * compile cache, enabled for it). Throws what loading the file throws (ENOENT when it is not there).
 */
export function requireWithCodeCache(file: string): unknown {
  const enable = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
  if (typeof enable === 'function') {
    enable();
    return nodeModule.createRequire(file)(file);
  }
  const source = fs.readFileSync(file, 'utf8');
  let cacheFile: string | undefined;
  /** Names of the caches of this file (in earlier versions of it too). */
  let prefix = '';
  let cached: Buffer | undefined;
  if (!process.env.NODE_DISABLE_COMPILE_CACHE) {
    try {
      const dir = cacheDirectory();
      if (dir) {
        const st = fs.statSync(file);
        prefix = `${path.basename(file)}-${process.version}-${process.arch}-${pathHash(path.resolve(file))}-`;
        cacheFile = path.join(dir, `${prefix}${st.size}-${Math.floor(st.mtimeMs)}.v8cache`);
        cached = fs.readFileSync(cacheFile);
      }
    } catch {
      cached = undefined;
    }
  }
  const script = new vm.Script(nodeModule.wrap(source), {
    filename: file,
    cachedData: cached,
    // (import() of the code inside goes to node's loader; the CLI's commands do not use it)
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheFile && (cached === undefined || script.cachedDataRejected)) {
    const target = cacheFile;
    // At exit the functions the command ran are compiled too, and go into the cache.
    process.once('exit', () => {
      const temp = `${target}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(temp, target);
        // the caches of earlier versions of the file are of no more use
        const dir = path.dirname(target);
        for (const f of fs.readdirSync(dir))
          if (f.startsWith(prefix) && f.endsWith('.v8cache') && f !== path.basename(target)) fs.unlinkSync(path.join(dir, f));
      } catch {
        try {
          fs.unlinkSync(temp);
        } catch {
          // nothing was written
        }
      }
    });
  }
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const mod = { exports: {} as unknown };
  wrapper.call(mod.exports, mod.exports, nodeModule.createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}
