// Symbol table and reverse complement (docs/format.md 5.1).
import { describe, expect, it } from 'vitest';
import {
  BYTE_TO_CODE,
  CODE_AT,
  CODE_OTHER,
  CODE_TO_LETTER,
  SYMBOL_DROP,
  SYMBOL_INVALID,
  codesFromString,
  codesToString,
  complementCode,
  convertBytes,
  reverseComplement,
  reverseComplementInPlace,
} from '../lib/format/alphabet.js';

describe('BYTE_TO_CODE', () => {
  it('maps the 16 letters case-insensitively to 0..15', () => {
    const letters = 'ACGTNRYSWKMBDHVU';
    for (let i = 0; i < 16; i++) {
      expect(BYTE_TO_CODE[letters.charCodeAt(i)]).toBe(i);
      expect(BYTE_TO_CODE[letters.toLowerCase().charCodeAt(i)]).toBe(i);
    }
  });

  it('maps @ and ` to 32, other bytes 64..127 to 30', () => {
    expect(BYTE_TO_CODE[0x40]).toBe(CODE_AT);
    expect(BYTE_TO_CODE[0x60]).toBe(CODE_AT);
    for (const ch of 'EFIJLOPQXZefijlopqxz[\\]^_{|}~\x7f') expect(BYTE_TO_CODE[ch.charCodeAt(0)]).toBe(CODE_OTHER);
    let n30 = 0;
    for (let c = 64; c < 128; c++) if (BYTE_TO_CODE[c] === 30) n30++;
    // 64 bytes: 32 letters mapped, 2 to code 32, the rest to 30.
    expect(n30).toBe(64 - 32 - 2);
  });

  it('drops bytes below 64 and flags bytes >= 128', () => {
    for (let c = 0; c < 64; c++) expect(BYTE_TO_CODE[c]).toBe(SYMBOL_DROP);
    for (let c = 128; c < 256; c++) expect(BYTE_TO_CODE[c]).toBe(SYMBOL_INVALID);
  });
});

describe('convertBytes', () => {
  it('drops newlines, digits, dashes and converts the rest', () => {
    const src = Buffer.from('ac-GT\r\n12 nN*.x@`u\n', 'latin1');
    const out = new Uint8Array(src.length);
    const r = convertBytes(src, out);
    expect(r.badIndex).toBe(-1);
    expect(Array.from(out.subarray(0, r.written))).toEqual([0, 1, 2, 3, 4, 4, 30, 32, 32, 15]);
  });

  it('stops at the first byte >= 128 and reports its index', () => {
    const src = Uint8Array.from([0x41, 0x0a, 0xc3, 0xa9, 0x43]);
    const out = new Uint8Array(8);
    const r = convertBytes(src, out, 2);
    expect(r).toEqual({ written: 1, badIndex: 2 });
    expect(out[2]).toBe(0);
  });

  it('codesFromString rejects non-ASCII symbols', () => {
    expect(Array.from(codesFromString('ACGTN'))).toEqual([0, 1, 2, 3, 4]);
    expect(() => codesFromString('AC\u00e9')).toThrow(/0xE9/);
  });
});

describe('CODE_TO_LETTER', () => {
  it('prints codes 0..15 as letters and 30/32 as spaces', () => {
    expect(codesToString(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]))).toBe('ACGTNRYSWKMBDHVU');
    expect(CODE_TO_LETTER[30]).toBe(0x20);
    expect(CODE_TO_LETTER[32]).toBe(0x20);
  });
});

describe('reverse complement', () => {
  it('complements ACGT only and reverses', () => {
    expect([0, 1, 2, 3, 4, 5, 15, 30, 32].map(complementCode)).toEqual([3, 2, 1, 0, 4, 5, 15, 30, 32]);
    const s = codesFromString('AACGTNRYK');
    expect(codesToString(reverseComplement(s))).toBe('KYRNACGTT');
    expect(codesToString(s)).toBe('AACGTNRYK'); // copy leaves the source alone
  });

  it('works in place for odd and even lengths and into a destination', () => {
    expect(codesToString(reverseComplementInPlace(codesFromString('ACGTA')))).toBe('TACGT');
    expect(codesToString(reverseComplementInPlace(codesFromString('AAGN')))).toBe('NCTT');
    expect(codesToString(reverseComplementInPlace(codesFromString('G')))).toBe('C');
    expect(reverseComplementInPlace(new Uint8Array(0)).length).toBe(0);
    const dst = new Uint8Array(3);
    expect(reverseComplement(codesFromString('CCA'), dst)).toBe(dst);
    expect(codesToString(dst)).toBe('TGG');
    const same = codesFromString('ACC');
    expect(codesToString(reverseComplement(same, same))).toBe('GGT');
  });
});
