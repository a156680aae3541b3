import { readFileSync } from 'node:fs';
import { SpecError } from '../../errors';
import type { Rng } from '../../rng/counter-rng';
import type { CsvTasksSpec } from '../../spec/schema';
import { type DataLocation, resolveDataPath } from '../data-path';
import { pickHeldOut } from '../hold-out';
import type { Examples, Task, TaskFamily, TaskSplit } from '../task';
import { type CsvGroup, readCsvTasks } from './csv-columns';
import { CsvSyntaxError, parseCsv } from './parse-csv';

/** Where the spec's table is (data-path.ts). */
export type CsvFamilyOptions = DataLocation;

/** Mean and standard deviation per column; std 1 for a constant column so it maps to 0. */
interface Standardizer {
  mean: number[];
  std: number[];
}

function standardizer(blocks: readonly Float64Array[], width: number): Standardizer {
  const sum = new Float64Array(width);
  const squares = new Float64Array(width);
  let n = 0;
  for (const block of blocks) {
    for (let row = 0; row < block.length; row += width, n++) {
      for (let f = 0; f < width; f++) sum[f] = (sum[f] as number) + (block[row + f] as number);
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  for (const block of blocks) {
    for (let row = 0; row < block.length; row += width) {
      for (let f = 0; f < width; f++) {
        squares[f] = (squares[f] as number) + ((block[row + f] as number) - (mean[f] as number)) ** 2;
      }
    }
  }
  return { mean, std: Array.from(squares, (s) => Math.sqrt(s / n) || 1) };
}

function standardize(values: Float64Array, width: number, s: Standardizer | undefined): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = s
      ? ((values[i] as number) - (s.mean[i % width] as number)) / (s.std[i % width] as number)
      : (values[i] as number);
  }
  return out;
}

interface ReadyGroup {
  name: string;
  rows: number;
  x: Float32Array;
  y: Float32Array | Int32Array;
}

function readTable(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SpecError(
      'tasks.path',
      code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${String(err)}`,
    );
  }
  try {
    return parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new SpecError('tasks.path', `${path} is not valid CSV: ${err.message}`);
    throw err;
  }
}

function pick(group: ReadyGroup, rows: readonly number[], width: number): Examples {
  const x = new Float32Array(rows.length * width);
  const y = group.y instanceof Int32Array ? new Int32Array(rows.length) : new Float32Array(rows.length);
  rows.forEach((r, i) => {
    x.set(group.x.subarray(r * width, (r + 1) * width), i * width);
    y[i] = group.y[r] as number;
  });
  return { x, y, n: rows.length };
}

/**
 * Few-shot tasks from a table: each value of `taskColumn` is a task, a task samples
 * `shots + queryShots` distinct rows of its group. Groups are split into train and test
 * with pickHeldOut (sorted names shuffled by Rng(0, DataSplit)); groups too small for a task
 * are skipped. With normalize, features (and regression targets) are standardised with the
 * mean and population std of every row of the training groups; describe() records them so
 * that `adapt` applies the same transform: x' = (x − featureMean) / featureStd, and a
 * prediction y' maps back as y = y' · targetStd + targetMean.
 */
export function createCsvFamily(spec: CsvTasksSpec, opts: CsvFamilyOptions = {}): TaskFamily {
  const path = resolveDataPath(spec.path, opts, 'tasks.path');
  const data = readCsvTasks(readTable(path), spec, spec.path);
  const width = data.features.length;
  const names = data.groups.map((g) => g.name);
  if (names.length < 2) {
    throw new SpecError(
      'tasks.taskColumn',
      `column "${spec.taskColumn}" has one distinct value (${names.join('')}); ` +
        'at least 2 groups are needed to hold some out for evaluation',
    );
  }
  const testNames = new Set(pickHeldOut(names, spec.testFraction));
  const sideOf = (g: CsvGroup): TaskSplit => (testNames.has(g.name) ? 'test' : 'train');
  const trainGroups = data.groups.filter((g) => sideOf(g) === 'train');

  const regression = spec.kind === 'regression';
  const trainX = trainGroups.map((g) => g.x);
  const trainY = trainGroups.map((g) => g.y as Float64Array);
  const xStats = spec.normalize ? standardizer(trainX, width) : undefined;
  const yStats = spec.normalize && regression ? standardizer(trainY, 1) : undefined;

  const need = spec.shots + spec.queryShots;
  const usable: Record<TaskSplit, ReadyGroup[]> = { train: [], test: [] };
  const skipped: string[] = [];
  for (const g of data.groups) {
    if (g.rows < need) {
      skipped.push(g.name);
      continue;
    }
    const y = g.y instanceof Int32Array ? g.y : standardize(g.y, 1, yStats);
    usable[sideOf(g)].push({ name: g.name, rows: g.rows, x: standardize(g.x, width, xStats), y });
  }
  for (const side of ['train', 'test'] as const) {
    if (usable[side].length > 0) continue;
    const sizes = data.groups.filter((g) => sideOf(g) === side).map((g) => g.rows);
    const which = side === 'train' ? 'training' : 'held-out';
    throw new SpecError(
      'tasks.shots',
      `${spec.shots} shots + ${spec.queryShots} query shots need ${need} rows per task, but the largest ${which} ` +
        `group of "${spec.taskColumn}" has ${Math.max(...sizes)} (${sizes.length} ${which} groups)`,
    );
  }

  const preprocessing: Record<string, unknown> = { features: data.features, normalize: spec.normalize };
  if (xStats) Object.assign(preprocessing, { featureMean: xStats.mean, featureStd: xStats.std });
  if (yStats) Object.assign(preprocessing, { targetMean: yStats.mean[0], targetStd: yStats.std[0] });
  const source = {
    family: 'csv',
    path: spec.path,
    taskColumn: spec.taskColumn,
    target: spec.target,
    kind: spec.kind,
    rows: data.groups.reduce((n, g) => n + g.rows, 0),
    trainGroups: usable.train.map((g) => g.name),
    testGroups: usable.test.map((g) => g.name),
    skippedGroups: skipped,
  };
  return {
    family: 'csv',
    kind: spec.kind,
    inputShape: [width],
    outputSize: regression ? 1 : (data.labels?.length as number),
    supportSize: spec.shots,
    querySize: spec.queryShots,
    sample(rng: Rng, split: TaskSplit): Task {
      const groups = usable[split];
      const group = groups[rng.int(groups.length)] as ReadyGroup;
      const rows = rng.sample(group.rows, need);
      return {
        support: pick(group, rows.slice(0, spec.shots), width),
        query: pick(group, rows.slice(spec.shots), width),
      };
    },
    describe() {
      return { ...(data.labels ? { labels: data.labels } : {}), preprocessing, source };
    },
  };
}
