// getctg query syntax and range rules of upstream agc (docs/format.md 6.3, 5.8):
//   ctg | ctg@sample | ctg:from-to | ctg@sample:from-to     (0-based, both ends inclusive)
// The patterns are tried in that order with greedy groups, so the last '@', the last ':' after
// it and the last '-' after that separate the parts (JS regexes are ECMAScript, like std::regex).
import { AgcInputError } from '../../errors.js';

const RE_CSR = /^(.+)@(.+):(.+)-(.+)$/;
const RE_CS = /^(.+)@(.+)$/;
const RE_CR = /^(.+):(.+)-(.+)$/;

const INT64_MAX = 9223372036854775807n;

/** A parsed query. `from`/`to` are the inclusive range (as given), absent when no range. */
export interface ContigQuery {
  text: string;
  name: string;
  sample?: string;
  range?: { from: bigint; to: bigint };
}

function parseBound(s: string, query: string): bigint {
  // Upstream reads these with atoll, so "abc" silently becomes 0; here it is an error.
  if (!/^-?\d+$/.test(s)) throw new AgcInputError(`malformed range in query '${query}': '${s}' is not an integer`);
  const v = BigInt(s);
  return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : v;
}

/** Split a query into name, sample and range. Throws AgcInputError for an empty query or a non-numeric range. */
export function parseContigQuery(text: string): ContigQuery {
  if (text.length === 0) throw new AgcInputError('Wrong contig format: empty query');
  let m = RE_CSR.exec(text);
  if (m) return { text, name: m[1], sample: m[2], range: { from: parseBound(m[3], text), to: parseBound(m[4], text) } };
  m = RE_CS.exec(text);
  if (m) return { text, name: m[1], sample: m[2] };
  m = RE_CR.exec(text);
  if (m) return { text, name: m[1], range: { from: parseBound(m[2], text), to: parseBound(m[3], text) } };
  if (/^.+$/.test(text)) return { text, name: text };
  throw new AgcInputError(`Wrong contig format: ${JSON.stringify(text)}`);
}

/** Where to cut a contig and what to print after its name. */
export interface ResolvedRange {
  /** Half-open range to extract, clipped to the contig. */
  start: number;
  end: number;
  /** Header suffix (":from-to" or ""). */
  suffix: string;
  /** Warnings upstream prints to stderr. */
  warnings: string[];
}

const toNum = (v: bigint) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));

/**
 * Upstream's normalisation of an inclusive range (decompress_contig): a negative start becomes 0,
 * a negative end the maximum, start > end means the whole contig. Non-streaming output prints the
 * normalised range; streaming output (-s) prints the range as given, whenever both ends are >= 0,
 * before normalisation — `streamingHeader` selects that form.
 */
export function resolveRange(range: ContigQuery['range'], contigLength: number, streamingHeader = false): ResolvedRange {
  const warnings: string[] = [];
  if (!range || (range.from < 0n && range.to < 0n)) return { start: 0, end: contigLength, suffix: '', warnings };
  let { from, to } = range;
  const rawSuffix = from >= 0n && to >= 0n ? `:${range.from}-${range.to}` : '';
  let whole = false;
  if (from < 0n) {
    warnings.push(`Warning: Start of range (${from}) is below 0, so changed to 0`);
    from = 0n;
  }
  if (to < 0n) {
    warnings.push(`Warning: End of range (${to}) is below 0, so changed to max value`);
    to = INT64_MAX;
  }
  if (from > to) {
    warnings.push(`Warning: End of range (${to}) is prior to start of range (${from}) so changed to whole contig`);
    whole = true;
  }
  const suffix = streamingHeader ? rawSuffix : whole ? '' : `:${from}-${to}`;
  if (whole) return { start: 0, end: contigLength, suffix, warnings };
  const start = Math.min(toNum(from), contigLength);
  const end = Math.max(start, Math.min(toNum(to) + 1, contigLength));
  return { start, end, suffix, warnings };
}
