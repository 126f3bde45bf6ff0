// `npm run demo:web [-- archive.agc ...] [--port N]`: bundles the demo page with esbuild and serves
// it on 127.0.0.1 together with AGC archives (range requests supported). Without archive
// arguments it serves the golden archives of ../shared/golden when they are there.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRangeServer } from '../../scripts/range-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
let port = Number(process.env.PORT ?? 8080);
const archives = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else archives.push(path.resolve(args[i]));
}
if (archives.length === 0) {
  const golden = path.resolve(root, '..', 'shared', 'golden');
  if (fs.existsSync(golden))
    for (const d of fs.readdirSync(golden).sort()) if (fs.existsSync(path.join(golden, d, 'archive.agc'))) archives.push(path.join(golden, d, 'archive.agc'));
}

const out = await build({ entryPoints: [path.join(here, 'app.ts')], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false });
const files = { '/': path.join(here, 'index.html'), '/index.html': path.join(here, 'index.html'), '/app.js': out.outputFiles[0].contents };
const names = [];
for (const a of archives) {
  // golden/<case>/archive.agc -> /archives/<case>.agc
  const base = path.basename(a) === 'archive.agc' ? path.basename(path.dirname(a)) : path.basename(a, '.agc');
  const name = `archives/${base}.agc`;
  files[`/${name}`] = a;
  names.push(name);
}
files['/favicon.ico'] = new Uint8Array(0);
files['/archives.json'] = new TextEncoder().encode(JSON.stringify(names));
const server = await startRangeServer({ files, port });
console.log(`agc-node web demo: ${server.url}/  (${names.length} archives; Ctrl-C to stop)`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
