import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from './parse-csv';

function syntaxError(text: string): CsvSyntaxError {
  try {
    parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a CsvSyntaxError');
}

describe('parseCsv', () => {
  it('reads a header and rows, with or without a final newline', () => {
    expect(parseCsv('a,b\n1,2\n3,4\n')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      lines: [2, 3],
    });
    expect(parseCsv('a,b\n1,2\n3,4').rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('handles quoted fields holding commas, quotes and newlines', () => {
    const table = parseCsv('name,note\n"Washington, D.C.","say ""hi""\nthere"\nplain,""\n');
    expect(table.rows).toEqual([
      ['Washington, D.C.', 'say "hi"\nthere'],
      ['plain', ''],
    ]);
    // The second row starts on line 4: the first spans lines 2–3.
    expect(table.lines).toEqual([2, 4]);
  });

  it('accepts CRLF and lone CR line ends, a BOM, blank lines and empty trailing fields', () => {
    const table = parseCsv('\uFEFFa,b,c\r\n1,,\r\n\r\n"x\r\ny",2,3\r\n4,5,6\r7,8,9\r\n');
    expect(table.header).toEqual(['a', 'b', 'c']);
    expect(table.rows).toEqual([
      ['1', '', ''],
      ['x\r\ny', '2', '3'],
      ['4', '5', '6'],
      ['7', '8', '9'],
    ]);
    expect(table.lines).toEqual([2, 4, 6, 7]);
  });

  it('trims header names and keeps a quote inside an unquoted field as text', () => {
    const table = parseCsv(' city , size\nLondon,5\'6"\n');
    expect(table.header).toEqual(['city', 'size']);
    expect(table.rows[0]).toEqual(['London', '5\'6"']);
  });

  it('names the line of malformed input', () => {
    expect(syntaxError('a,b\n1,2\n"3,4\n').message).toBe('line 3: quoted field is never closed');
    expect(syntaxError('a,b\n"1"x,2\n').message).toBe('line 2: unexpected "x" after a closing quote');
    expect(syntaxError('a,b\n1,2\n"multi\nline",2,3\n').message).toBe('line 3: has 3 fields, but the header has 2');
    expect(syntaxError('a,,c\n').message).toBe('line 1: column 2 of the header has no name');
    expect(syntaxError('a,b,a\n').message).toBe('line 1: column "a" appears twice in the header');
    expect(syntaxError('\n\n').message).toMatch(/empty/);
  });
});
