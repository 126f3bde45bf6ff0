// A tiny static HTTP server with Range support (single ranges, suffix ranges), for the browser
// test, the remote-read bench and `npm run demo:web`. Serves files by URL path from a map of
// url-path -> file path or bytes, plus an optional fallback directory. Counts requests and bytes.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };

/**
 * Start a server on 127.0.0.1 (port 0 = any free port).
 * options: { files: { '/a.agc': '/path/or/Uint8Array' }, dir: fallback directory, port,
 *   ignoreRange (answer every range request with the whole file), ignoreSuffix (only `bytes=-n`),
 *   failFirst (answer the first n requests with 503) }
 * Returns { url, port, stats: { requests, bytes }, close() }.
 */
export async function startRangeServer(options = {}) {
  const stats = { requests: 0, bytes: 0 };
  const files = options.files ?? {};
  let failures = options.failFirst ?? 0;
  const server = http.createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    let body = files[url.pathname];
    if (body === undefined && options.dir) {
      const p = path.join(options.dir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
      if (p.startsWith(options.dir) && fs.existsSync(p) && fs.statSync(p).isFile()) body = p;
      else if (fs.existsSync(path.join(p, 'index.html'))) body = path.join(p, 'index.html');
    }
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    if (failures > 0) {
      failures--;
      res.writeHead(503).end('busy');
      return;
    }
    // Files are read per range, not whole: a query must not cost the server a read of the archive.
    const size = typeof body === 'string' ? fs.statSync(body).size : body.length;
    const slice = (start, end) => {
      if (typeof body !== 'string') return body.subarray(start, end);
      const buf = Buffer.alloc(end - start);
      const fd = fs.openSync(body, 'r');
      try {
        fs.readSync(fd, buf, 0, buf.length, start);
      } finally {
        fs.closeSync(fd);
      }
      return buf;
    };
    const named = typeof body === 'string' ? body : url.pathname.endsWith('/') ? 'index.html' : url.pathname;
    const type = TYPES[path.extname(named)] ?? 'application/octet-stream';
    const headers = {
      'content-type': type,
      'accept-ranges': 'bytes',
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'content-range, content-length',
      'cache-control': 'no-store',
    };
    const range = req.headers.range;
    const m = range && !options.ignoreRange && !(options.ignoreSuffix && range.startsWith('bytes=-')) ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
    if (m && (m[1] !== '' || m[2] !== '')) {
      let start;
      let end;
      if (m[1] === '') {
        start = Math.max(0, size - Number(m[2]));
        end = size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      }
      if (start >= size || start > end) {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
        return;
      }
      const part = slice(start, end + 1);
      stats.bytes += part.length;
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': part.length });
      res.end(req.method === 'HEAD' ? undefined : part);
      return;
    }
    stats.bytes += size;
    res.writeHead(200, { ...headers, 'content-length': size });
    res.end(req.method === 'HEAD' ? undefined : slice(0, size));
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
