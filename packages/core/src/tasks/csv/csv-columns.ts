import { SpecError } from '../../errors';
import type { CsvTasksSpec } from '../../spec/schema';
import { compareCodeUnits } from '../hold-out';
import type { CsvTable } from './parse-csv';

/** The rows of one task-column value, as raw (unnormalised) numbers. */
export interface CsvGroup {
  name: string;
  rows: number;
  /** rows × features, float64 */
  x: Float64Array;
  /** regression: rows targets; classification: rows label indices */
  y: Float64Array | Int32Array;
}

/** A CSV file read as tasks: one group per task-column value, sorted by name. */
export interface CsvTasks {
  features: string[];
  /** classification: the label of each index */
  labels?: string[];
  groups: CsvGroup[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number such as `12`, `-0.5`, `1e3`; not `0x1f`, `Infinity` or an empty cell. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

function columnIndex(table: CsvTable, name: string, field: string, where: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new SpecError(field, `no column "${name}" in ${where}; its columns are ${table.header.join(', ')}`);
  return i;
}

/** Default features: columns other than task and target whose values are mostly (> half) numbers. */
function numericColumns(table: CsvTable, exclude: ReadonlySet<number>): number[] {
  return table.header.flatMap((_, c) => {
    if (exclude.has(c)) return [];
    const numbers = table.rows.filter((row) => parseNumber(row[c] as string) !== undefined).length;
    return numbers * 2 > table.rows.length ? [c] : [];
  });
}

function featureColumns(table: CsvTable, spec: CsvTasksSpec, task: number, target: number, where: string) {
  if (!spec.features) {
    const columns = numericColumns(table, new Set([task, target]));
    if (columns.length === 0) {
      throw new SpecError(
        'tasks.features',
        `${where} has no numeric column besides "${spec.taskColumn}" and "${spec.target}"`,
      );
    }
    return columns.map((c) => ({ column: c, field: 'tasks.features' }));
  }
  const seen = new Set<number>();
  return spec.features.map((name, i) => {
    const field = `tasks.features[${i}]`;
    const column = columnIndex(table, name, field, where);
    if (column === task) throw new SpecError(field, `"${name}" is the task column, not a feature`);
    if (column === target) throw new SpecError(field, `"${name}" is the target column, not a feature`);
    if (seen.has(column)) throw new SpecError(field, `"${name}" is listed twice`);
    seen.add(column);
    return { column, field };
  });
}

function numberAt(table: CsvTable, row: number, column: number, field: string, why: string): number {
  const text = table.rows[row]?.[column] as string;
  const value = parseNumber(text);
  if (value === undefined) {
    const name = table.header[column] as string;
    const shown = text.trim() === '' ? 'an empty value' : JSON.stringify(text);
    throw new SpecError(
      field,
      `column "${name}" has ${shown} on line ${table.lines[row]} (row ${row + 1}), which is not a number${why}`,
    );
  }
  return value;
}

function sortLabels(labels: string[]): string[] {
  const numbers = labels.map(parseNumber);
  if (numbers.every((n) => n !== undefined)) {
    return labels
      .map((l, i) => [l, numbers[i] as number] as const)
      .sort((a, b) => a[1] - b[1])
      .map(([l]) => l);
  }
  return labels.sort(compareCodeUnits);
}

/**
 * Picks the columns a spec names, checks every value and groups the rows by the task
 * column. Classification labels are indexed over the whole file, in numeric order when every
 * label is a number and in code-unit order otherwise. Throws SpecError naming the field,
 * the column and the line of the first bad value. `where` names the file in messages.
 */
export function readCsvTasks(table: CsvTable, spec: CsvTasksSpec, where: string): CsvTasks {
  if (table.rows.length === 0) throw new SpecError('tasks.path', `${where} has a header but no rows`);
  const task = columnIndex(table, spec.taskColumn, 'tasks.taskColumn', where);
  const target = columnIndex(table, spec.target, 'tasks.target', where);
  if (task === target) throw new SpecError('tasks.target', `"${spec.target}" is also the task column`);
  const features = featureColumns(table, spec, task, target, where);
  const defaulted = spec.features
    ? ''
    : ' (it was picked as a feature because most of its values are numbers; set tasks.features to choose)';

  const rowsOf = new Map<string, number[]>();
  table.rows.forEach((row, r) => {
    const name = (row[task] as string).trim();
    if (name === '')
      throw new SpecError(
        'tasks.taskColumn',
        `column "${spec.taskColumn}" is empty on line ${table.lines[r]} (row ${r + 1})`,
      );
    const list = rowsOf.get(name);
    if (list) list.push(r);
    else rowsOf.set(name, [r]);
  });

  let labels: string[] | undefined;
  let labelIndex: Map<string, number> | undefined;
  if (spec.kind === 'classification') {
    const values = table.rows.map((row, r) => {
      const label = (row[target] as string).trim();
      if (label === '')
        throw new SpecError(
          'tasks.target',
          `column "${spec.target}" is empty on line ${table.lines[r]} (row ${r + 1})`,
        );
      return label;
    });
    labels = sortLabels([...new Set(values)]);
    if (labels.length < 2) {
      throw new SpecError(
        'tasks.target',
        `column "${spec.target}" has one label (${labels.join('')}); classification needs at least 2`,
      );
    }
    labelIndex = new Map(labels.map((l, i) => [l, i]));
  }

  // Parse in file order, so the error names the first bad value of the file.
  const width = features.length;
  const allX = new Float64Array(table.rows.length * width);
  const allY = table.rows.map((row, r) => {
    features.forEach(({ column, field }, f) => {
      allX[r * width + f] = numberAt(table, r, column, field, defaulted);
    });
    return labelIndex
      ? (labelIndex.get((row[target] as string).trim()) as number)
      : numberAt(table, r, target, 'tasks.target', ' (regression targets must be numbers)');
  });

  const groups = [...rowsOf.keys()].sort(compareCodeUnits).map((name): CsvGroup => {
    const rows = rowsOf.get(name) as number[];
    const x = new Float64Array(rows.length * width);
    const y = labelIndex ? new Int32Array(rows.length) : new Float64Array(rows.length);
    rows.forEach((r, i) => {
      x.set(allX.subarray(r * width, (r + 1) * width), i * width);
      y[i] = allY[r] as number;
    });
    return { name, rows: rows.length, x, y };
  });
  return { features: features.map(({ column }) => table.header[column] as string), labels, groups };
}
