// HTTP(S) byte source: generic-filehandle2's RemoteFile (fetch with a Range header) plus what
// reading an archive remotely needs on top of it: retries of transient failures, a clear
// AgcError when a server ignores Range (a 200 with the whole body would silently download the
// whole archive for every query), a stat() that also fetches the tail of the file (where the
// footer lives) in the same request, and request/byte counters for benchmarks.
import { RemoteFile, type Fetcher } from 'generic-filehandle2';
import { AgcAbortError, AgcError, AgcErrorCode } from '../errors.js';
import type { ByteSource } from './byte-source.js';

export interface HttpFileOptions {
  /** fetch implementation (default globalThis.fetch). */
  fetch?: Fetcher;
  /** Extra request headers (authorisation ...). */
  headers?: Record<string, string>;
  /** Retries after a network error or HTTP 408/429/5xx (default 3). */
  retries?: number;
  /** Delay before the first retry in ms, doubled for each further one (default 200). */
  retryDelayMs?: number;
  /** Bytes fetched from the end of the file by stat() (default 64 KiB). */
  tailBytes?: number;
}

/** Requests and bytes transferred so far. */
export interface TransferStats {
  requests: number;
  bytes: number;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
// Cause of the error for an ignored Range header, so that stat() can tell it from other failures.
const RANGE_IGNORED = Symbol('range ignored');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rangeHeader(init: RequestInit | undefined): string | undefined {
  const h = init?.headers;
  if (!h) return undefined;
  if (h instanceof Headers) return h.get('range') ?? undefined;
  if (Array.isArray(h)) return h.find(([k]) => k.toLowerCase() === 'range')?.[1];
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === 'range') return String(v);
  return undefined;
}

/** Number of bytes a `bytes=a-b` or `bytes=-n` header asks for. */
function rangeLength(range: string): number {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m) return Number.POSITIVE_INFINITY;
  if (m[1] === '') return Number(m[2]);
  return Number(m[2]) - Number(m[1]) + 1;
}

/** The body, or undefined as soon as it turns out longer than `limit` (the rest is not downloaded). */
async function readLimited(res: Response, limit: number): Promise<Uint8Array | undefined> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done || value === undefined) break;
    n += value.length;
    if (n > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(n);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A GenericFilehandle on an HTTP(S) URL read with range requests. */
export class HttpFile extends RemoteFile implements ByteSource {
  readonly stats: TransferStats = { requests: 0, bytes: 0 };
  private size: number | undefined;
  private tail: Uint8Array | undefined;
  private tailStart = 0;
  private readonly tailBytes: number;
  private readonly headers: Record<string, string>;

  constructor(
    readonly href: string,
    options: HttpFileOptions = {},
  ) {
    const base: Fetcher = options.fetch ?? ((input, init) => globalThis.fetch(input as string | URL | Request, init));
    const retries = options.retries ?? 3;
    const delay = options.retryDelayMs ?? 200;
    const stats: TransferStats = { requests: 0, bytes: 0 };
    const guarded: Fetcher = async (input, init) => {
      const range = rangeHeader(init);
      const what = `${href}${range ? ` (${range})` : ''}`;
      for (let attempt = 0; ; attempt++) {
        if (init?.signal?.aborted) throw new AgcAbortError(`reading ${href} was aborted`);
        let res: Response;
        try {
          stats.requests++;
          res = await base(input, init);
        } catch (e) {
          if (init?.signal?.aborted) throw new AgcAbortError(`reading ${href} was aborted`, { cause: e });
          if (attempt < retries) {
            await sleep(delay * 2 ** attempt);
            continue;
          }
          throw new AgcError(AgcErrorCode.IO, `cannot read ${what}: ${message(e)} (after ${attempt + 1} attempts)`, { cause: e });
        }
        if (RETRY_STATUS.has(res.status) && attempt < retries) {
          await res.body?.cancel().catch(() => {});
          await sleep(delay * 2 ** attempt);
          continue;
        }
        if (!res.ok) {
          await res.body?.cancel().catch(() => {});
          throw new AgcError(AgcErrorCode.IO, `cannot read ${what}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
        }
        // 200 to a range request is fine only when the whole file is no longer than the range.
        const limit = range && res.status !== 206 ? rangeLength(range) : Number.POSITIVE_INFINITY;
        const body = await readLimited(res, limit);
        if (!body)
          throw new AgcError(
            AgcErrorCode.IO,
            `cannot read ${href}: the server ignored the Range header (HTTP ${res.status} with more than the ${limit} bytes asked for); reading AGC archives over HTTP needs a server that supports range requests`,
            { cause: RANGE_IGNORED },
          );
        stats.bytes += body.length;
        return new Response(body as unknown as ArrayBuffer, { status: res.status, statusText: res.statusText, headers: res.headers });
      }
    };
    super(href, { fetch: guarded, headers: options.headers });
    this.stats = stats;
    this.tailBytes = Math.max(16, options.tailBytes ?? 65536);
    this.headers = options.headers ?? {};
  }

  /** Size of the file; fetches its last tailBytes in the same request (read() serves them later). */
  override async stat(): Promise<{ size: number }> {
    if (this.size !== undefined) return { size: this.size };
    const get = (range: string) => this.call(() => this.fetch(this.href, { headers: { ...this.headers, range }, method: 'GET', redirect: 'follow' }));
    let res: Response;
    try {
      res = await get(`bytes=-${this.tailBytes}`);
    } catch (e) {
      // Some servers honour only first-last ranges, not suffix ranges: ask for byte 0 instead
      // (the tail is then read by read() as any other range).
      if (!(e instanceof AgcError && e.cause === RANGE_IGNORED)) throw e;
      res = await get('bytes=0-0');
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status === 200) {
      this.size = body.length;
      this.tailStart = 0;
    } else {
      const m = /bytes\s+(\d+)-(\d+)\/(\d+)/.exec(res.headers.get('content-range') ?? '');
      if (!m)
        throw new AgcError(
          AgcErrorCode.IO,
          `cannot read ${this.href}: the response has no readable Content-Range header (a cross-origin server must send Access-Control-Expose-Headers: Content-Range)`,
        );
      this.size = Number(m[3]);
      this.tailStart = Number(m[1]);
      if (body.length !== Number(m[2]) - this.tailStart + 1)
        throw new AgcError(AgcErrorCode.IO, `cannot read ${this.href}: short response (${body.length} bytes for ${m[0]})`);
    }
    this.tail = body;
    return { size: this.size };
  }

  override async read(length: number, position: number, opts?: Parameters<RemoteFile['read']>[2]): Promise<Uint8Array<ArrayBuffer>> {
    const t = this.tail;
    if (t && position >= this.tailStart && position + length <= this.tailStart + t.length) {
      const at = position - this.tailStart;
      return t.subarray(at, at + length) as Uint8Array<ArrayBuffer>;
    }
    const out = await this.call(() => super.read(length, position, opts));
    if (out.length !== length && (this.size === undefined || position + length <= this.size))
      throw new AgcError(AgcErrorCode.IO, `cannot read ${this.href}: got ${out.length} bytes at ${position}, expected ${length}`);
    return out;
  }

  // RemoteFile wraps whatever fetch throws in a plain Error; keep ours (AgcError with its code).
  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof AgcError) throw cause;
      if (e instanceof AgcError) throw e;
      throw new AgcError(AgcErrorCode.IO, `cannot read ${this.href}: ${message(e)}`, { cause: e });
    }
  }
}
