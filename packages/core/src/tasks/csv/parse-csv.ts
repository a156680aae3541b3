/** A parsed CSV file: the header and the records under it, as strings. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based line of the file on which each row starts (rows may span lines inside quotes) */
  lines: number[];
}

/** The text is not well-formed CSV; `line` is 1-based. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // CRLF counts once: only the LF, or a CR not followed by LF.
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) n++;
  }
  return n;
}

/**
 * Parses RFC 4180 CSV: comma-separated fields, records ended by CRLF, LF or CR, fields
 * optionally in double quotes (which may then hold commas, newlines and `""` for a quote).
 * The first record is the header; names are trimmed. A leading BOM and blank lines are
 * skipped. Lenient in one way: a quote inside an unquoted field is kept as text.
 * @throws CsvSyntaxError for an unterminated quote, text after a closing quote, a record
 *   whose field count differs from the header's, or a missing or duplicated header name
 */
export function parseCsv(text: string): CsvTable {
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const records: string[][] = [];
  const lines: number[] = [];
  while (pos < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let value = '';
        let from = pos + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) throw new CsvSyntaxError(line, 'quoted field is never closed');
          value += text.slice(from, q);
          line += countNewlines(text, from, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            from = q + 2;
          } else {
            pos = q + 1;
            break;
          }
        }
        const next = text.charCodeAt(pos);
        if (pos < n && next !== COMMA && next !== LF && next !== CR) {
          throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(text[pos])} after a closing quote`);
        }
        fields.push(value);
      } else {
        let end = pos;
        for (; end < n; end++) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === LF || c === CR) break;
        }
        fields.push(text.slice(pos, end));
        pos = end;
      }
      if (pos >= n) break;
      const c = text.charCodeAt(pos);
      pos++;
      if (c === COMMA) continue;
      if (c === CR && text.charCodeAt(pos) === LF) pos++;
      line++;
      break;
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) {
      records.push(fields);
      lines.push(start);
    }
  }

  const header = records.shift()?.map((h) => h.trim());
  const headerLine = lines.shift() ?? 1;
  if (!header) throw new CsvSyntaxError(1, 'the file is empty; expected a header row');
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw new CsvSyntaxError(headerLine, `column ${i + 1} of the header has no name`);
    if (seen.has(name)) throw new CsvSyntaxError(headerLine, `column "${name}" appears twice in the header`);
    seen.add(name);
  });
  records.forEach((fields, i) => {
    if (fields.length !== header.length) {
      throw new CsvSyntaxError(lines[i] as number, `has ${fields.length} fields, but the header has ${header.length}`);
    }
  });
  return { header, rows: records, lines };
}
