import { CsvSyntaxError, parseCsv } from '../tasks/csv/parse-csv';
import { ExamplesError } from './examples-error';

/** A target as written in the file: a number, a class name, or several regression outputs. */
export type RawTarget = number | string | number[];

/**
 * The examples of one file (support or query), before they are matched to a model's
 * targets: inputs flattened row-major, targets as written.
 */
export interface RawExamples {
  file: string;
  n: number;
  /** values per example */
  width: number;
  x: Float32Array;
  /** undefined when the file has none (a query set to predict) */
  targets?: RawTarget[];
  /** where example i is in the file, for messages: `targets[3]` or `row 3 (line 5), column y` */
  targetAt(i: number): string;
  /** csv only: the feature columns */
  features?: string[];
}

export interface ReadExamplesOptions {
  /** values per example the model takes, when known: checked for every example */
  exampleSize?: number;
  /** the model's input shape, for messages */
  inputShape?: number[];
  /** a query file may leave targets out */
  targetsOptional: boolean;
  /** csv query file: the support file's feature columns; a query with only these has no targets */
  supportFeatures?: string[];
}

/** A mistake in a user's examples: the file (or request field), the place and the reason. */
export function fileError(file: string, where: string, reason: string): ExamplesError {
  return new ExamplesError(file, where, reason);
}

const shapeText = (o: ReadExamplesOptions) => (o.inputShape ? ` (input shape [${o.inputShape.join(', ')}])` : '');

/** Whether a file's text is JSON rather than CSV: by its extension, otherwise by a leading `{`. */
export function isJsonExamples(file: string, text: string): boolean {
  const ext = /\.[^./\\]*$/.exec(file)?.[0].toLowerCase() ?? '';
  return ext === '.json' || (ext !== '.csv' && text.trimStart().startsWith('{'));
}

function flattenExample(file: string, value: unknown, where: string, out: number[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw fileError(file, where, `${value} is not a finite number`);
    out.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flattenExample(file, v, `${where}[${i}]`, out));
  } else {
    throw fileError(file, where, `${JSON.stringify(value)} is not a number`);
  }
}

function checkWidth(file: string, where: string, width: number, expected: number, options: ReadExamplesOptions, first: boolean): void {
  if (width === expected) return;
  const model = options.exampleSize !== undefined;
  const against = model ? `the model takes ${expected} per example${shapeText(options)}` : `${first ? 'the first example' : 'inputs[0]'} has ${expected}`;
  throw fileError(file, where, `${width} value${width === 1 ? '' : 's'}, but ${against}`);
}

/** JSON: `{"inputs": [example, …], "targets": [target, …]}`; an example is a number or nested arrays of numbers. */
export function parseExamplesJson(file: string, text: string, options: ReadExamplesOptions): RawExamples {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fileError(file, '', `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return examplesFromJson(file, doc, options);
}

/**
 * The same from a parsed JSON value (an HTTP request's `support` or `query` object), `file`
 * naming it in messages.
 */
export function examplesFromJson(file: string, doc: unknown, options: ReadExamplesOptions): RawExamples {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fileError(file, '', 'must be a JSON object {"inputs": [...], "targets": [...]}');
  const record = doc as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => k !== 'inputs' && k !== 'targets');
  if (unknown.length > 0) throw fileError(file, unknown[0] as string, 'unknown key (expected "inputs" and "targets")');
  const { inputs, targets } = record;
  if (!Array.isArray(inputs) || inputs.length === 0) throw fileError(file, 'inputs', 'must be a non-empty array of examples');
  const values: number[] = [];
  let width = options.exampleSize ?? -1;
  inputs.forEach((example, i) => {
    const before = values.length;
    flattenExample(file, example, `inputs[${i}]`, values);
    if (width < 0) width = values.length - before;
    checkWidth(file, `inputs[${i}]`, values.length - before, width, options, false);
  });
  if (width === 0) throw fileError(file, 'inputs[0]', 'holds no values');
  const n = inputs.length;
  const out: RawExamples = { file, n, width, x: Float32Array.from(values), targetAt: (i) => `targets[${i}]` };
  if (targets === undefined) {
    if (!options.targetsOptional) throw fileError(file, 'targets', 'missing: the support set needs a target for every input');
    return out;
  }
  if (!Array.isArray(targets)) throw fileError(file, 'targets', 'must be an array, one target per input');
  if (targets.length !== n) throw fileError(file, 'targets', `${targets.length} targets for ${n} inputs`);
  out.targets = targets.map((t, i) => {
    if (typeof t === 'string' && t.trim() !== '') return t.trim();
    if (typeof t === 'number' && Number.isFinite(t)) return t;
    if (Array.isArray(t) && t.length > 0 && t.every((v) => typeof v === 'number' && Number.isFinite(v))) return t as number[];
    throw fileError(file, `targets[${i}]`, `${JSON.stringify(t)} is not a number, a class name or an array of numbers`);
  });
  return out;
}

const numberCell = (cell: string): number => (cell.trim() === '' ? Number.NaN : Number(cell));

/** CSV with a header: feature columns, then the target column (a query file may leave the target column out). */
export function parseExamplesCsv(file: string, text: string, options: ReadExamplesOptions): RawExamples {
  let table;
  try {
    table = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw fileError(file, `line ${err.line}`, err.reason);
    throw err;
  }
  const { header, rows, lines } = table;
  if (rows.length === 0) throw fileError(file, '', 'has a header but no rows');
  const known = options.supportFeatures;
  const hasTarget = known ? header.length !== known.length : true;
  if (known && header.length !== known.length && header.length !== known.length + 1) {
    throw fileError(file, 'header', `${header.length} columns, but the support file has ${known.length} feature column(s) (${known.join(', ')}) and a target`);
  }
  if (!known && header.length < 2) throw fileError(file, 'header', `needs feature column(s) and a target column last, got ${header.map((h) => JSON.stringify(h)).join(', ')}`);
  const features = hasTarget ? header.slice(0, -1) : header;
  if (known && features.some((name, i) => name !== known[i])) {
    throw fileError(file, 'header', `feature columns (${features.join(', ')}) differ from the support file's (${known.join(', ')}); use the same columns in the same order`);
  }
  if (options.exampleSize !== undefined && features.length !== options.exampleSize) {
    throw fileError(file, 'header', `${features.length} feature column(s), but the model takes ${options.exampleSize} value(s) per example${shapeText(options)}`);
  }
  const place = (r: number) => `row ${r + 1} (line ${lines[r]})`;
  const x = new Float32Array(rows.length * features.length);
  rows.forEach((row, r) => {
    features.forEach((name, c) => {
      const v = numberCell(row[c] as string);
      if (!Number.isFinite(v)) throw fileError(file, `${place(r)}, column ${name}`, `${JSON.stringify(row[c])} is not a number`);
      x[r * features.length + c] = v;
    });
  });
  const targetColumn = header[header.length - 1] as string;
  const out: RawExamples = { file, n: rows.length, width: features.length, x, features, targetAt: (i) => `${place(i)}, column ${targetColumn}` };
  if (!hasTarget) {
    if (!options.targetsOptional) throw fileError(file, 'header', 'has no target column');
    return out;
  }
  out.targets = rows.map((row, r) => {
    const cell = (row[header.length - 1] as string).trim();
    if (cell === '') throw fileError(file, out.targetAt(r), 'empty target');
    const v = Number(cell);
    return Number.isFinite(v) ? v : cell;
  });
  return out;
}
