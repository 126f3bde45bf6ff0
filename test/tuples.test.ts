// tuplesToSymbols (tuple-packed group references) against a digit-by-digit reading of the format,
// for every packing (2, 3 or 4 symbols per byte), both directions and every leftover count.
import { describe, expect, it } from 'vitest';
import { tuplesToSymbols } from '../lib/format/segment-decode.js';
import { CODE_TO_COMPLEMENT_LETTER, CODE_TO_LETTER } from '../lib/format/letters.js';
import { rng } from './shared-data.js';

function slowTuples(t: Uint8Array, symbols: Uint8Array, reverse: boolean): string {
  const nb = t[t.length - 1] >> 4;
  const r = t[t.length - 1] & 15;
  const base = nb === 4 ? 4 : nb === 3 ? 6 : 16;
  const codes: number[] = [];
  const digitsOf = (v: number, count: number) => {
    const d: number[] = [];
    for (let i = 0; i < count; i++) {
      d.unshift(v % base);
      v = Math.floor(v / base);
    }
    return d;
  };
  for (let i = 0; i < t.length - 2; i++) codes.push(...digitsOf(t[i], nb));
  codes.push(...digitsOf(t[t.length - 2], r));
  const letters = codes.map((c) => String.fromCharCode(symbols[c]));
  return (reverse ? letters.reverse() : letters).join('');
}

describe('tuplesToSymbols', () => {
  it('matches the digit-by-digit reading for 2, 3 and 4 symbols per byte', () => {
    const next = rng(7);
    for (const nb of [2, 3, 4])
      for (let r = 0; r < nb; r++)
        for (const reverse of [false, true])
          for (const full of [0, 1, 5, 33]) {
            const t = new Uint8Array(full + 2);
            const max = nb === 4 ? 256 : nb === 3 ? 216 : 256;
            for (let i = 0; i < full; i++) t[i] = Math.floor(next() * max);
            t[full] = Math.floor(next() * (nb === 4 ? 4 ** r : nb === 3 ? 6 ** r : 16 ** r));
            t[full + 1] = (nb << 4) | r;
            const symbols = reverse ? CODE_TO_COMPLEMENT_LETTER : CODE_TO_LETTER;
            const got = Buffer.from(tuplesToSymbols(t, symbols, reverse)).toString('latin1');
            expect(got, `nb ${nb} r ${r} reverse ${reverse} full ${full}`).toBe(slowTuples(t, symbols, reverse));
          }
  });
});
