import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Purpose, Rng } from '../../rng/counter-rng';
import type { CsvTasksSpec } from '../../spec/schema';
import { createCsvFamily } from './csv-family';
import { specError } from '../../testing/catch-spec-error';

const repoRoot = resolve(import.meta.dirname, '../../../../..');
const dir = mkdtempSync(join(tmpdir(), 'metatrain-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function spec(overrides: Partial<CsvTasksSpec>): CsvTasksSpec {
  return {
    family: 'csv',
    path: 'data.csv',
    taskColumn: 'task',
    target: 'y',
    kind: 'regression',
    shots: 2,
    queryShots: 2,
    normalize: false,
    testFraction: 0.2,
    ...overrides,
  };
}

const create = (overrides: Partial<CsvTasksSpec>) => createCsvFamily(spec(overrides), { baseDir: dir });


/** Ten groups g0…g9 of six rows; feature `id` is unique per row, `gid` is the group number. */
const tracer = file(
  'tracer.csv',
  [
    'task,id,gid,note,y',
    ...Array.from({ length: 60 }, (_, i) => `g${Math.floor(i / 6)},${i},${Math.floor(i / 6)},n${i},${i * 10}`),
  ].join('\n'),
);

describe('csv family', () => {
  it('turns each group into a task of distinct rows', () => {
    const family = create({ path: tracer, shots: 2, queryShots: 3 });
    expect(family.inputShape).toEqual([2]); // id, gid; the text column `note` is not a default feature
    expect(family.describe().preprocessing).toMatchObject({ features: ['id', 'gid'], normalize: false });
    const { trainGroups, testGroups } = family.describe().source as { trainGroups: string[]; testGroups: string[] };
    expect(testGroups).toHaveLength(2);
    expect([...trainGroups, ...testGroups].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `g${i}`));
    for (const split of ['train', 'test'] as const) {
      for (let t = 0; t < 20; t++) {
        const task = family.sample(Rng.for(5, Purpose.TrainTask, t, 0), split);
        expect([task.support.n, task.query.n]).toEqual([2, 3]);
        const ids = [...task.support.x, ...task.query.x].filter((_, i) => i % 2 === 0);
        const gids = [...task.support.x, ...task.query.x].filter((_, i) => i % 2 === 1);
        expect(new Set(ids).size).toBe(5);
        expect(new Set(gids).size).toBe(1);
        expect(split === 'test' ? testGroups : trainGroups).toContain(`g${gids[0]}`);
        expect([...task.support.y, ...task.query.y]).toEqual(ids.map((id) => id * 10));
      }
    }
  });

  it('splits groups the same way every time and samples a pure function of the Rng', () => {
    const a = create({ path: tracer });
    const b = create({ path: tracer });
    expect(b.describe().source).toEqual(a.describe().source);
    const key = () => Rng.for(1, Purpose.TrainTask, 3, 1);
    expect(b.sample(key(), 'train')).toEqual(a.sample(key(), 'train'));
  });

  it('standardises features and targets with the training groups only', () => {
    const family = create({ path: tracer, normalize: true });
    const { preprocessing, source } = family.describe();
    const train = (source.trainGroups as string[]).map((g) => Number(g.slice(1)));
    const ids = train.flatMap((g) => Array.from({ length: 6 }, (_, k) => g * 6 + k));
    const mean = ids.reduce((s, v) => s + v, 0) / ids.length;
    const std = Math.sqrt(ids.reduce((s, v) => s + (v - mean) ** 2, 0) / ids.length);
    const p = preprocessing as { featureMean: number[]; featureStd: number[]; targetMean: number; targetStd: number };
    expect(p.featureMean[0]).toBeCloseTo(mean, 10);
    expect(p.featureStd[0]).toBeCloseTo(std, 10);
    expect(p.targetMean).toBeCloseTo(mean * 10, 8);
    expect(p.targetStd).toBeCloseTo(std * 10, 8);
    const task = family.sample(Rng.for(0, Purpose.TrainTask, 0, 0), 'train');
    const rawId = (task.support.x[0] as number) * (p.featureStd[0] as number) + (p.featureMean[0] as number);
    expect(Math.abs(rawId - Math.round(rawId))).toBeLessThan(1e-4);
    expect(task.support.y[0]).toBeCloseTo((Math.round(rawId) * 10 - p.targetMean) / p.targetStd, 5);
  });

  it('indexes classification labels over the whole file', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `t${i % 4},${i},${['10', '9', '2'][i % 3]}`);
    const family = create({ path: file('cls.csv', ['task,x,y', ...rows].join('\r\n')), kind: 'classification' });
    expect(family.kind).toBe('classification');
    expect(family.outputSize).toBe(3);
    expect(family.describe().labels).toEqual(['2', '9', '10']);
    const task = family.sample(Rng.for(0, Purpose.TrainTask, 0, 0), 'train');
    expect(task.support.y).toBeInstanceOf(Int32Array);
    for (let i = 0; i < task.support.n; i++) {
      const x = task.support.x[i] as number;
      expect(task.support.y[i]).toBe([2, 1, 0][x % 3]);
    }
  });

  it('reads the example house prices', () => {
    const family = createCsvFamily(
      spec({
        path: 'examples/data/house-prices.csv',
        taskColumn: 'city',
        target: 'price',
        shots: 5,
        queryShots: 10,
        normalize: true,
      }),
      { baseDir: repoRoot },
    );
    expect(family.inputShape).toEqual([3]);
    const source = family.describe().source;
    expect(source).toMatchObject({ rows: 480, skippedGroups: [] });
    expect((source.trainGroups as string[]).length).toBe(10);
    expect(
      readFileSync(join(repoRoot, 'examples/data/house-prices.csv'), 'utf8').startsWith('city,sqm,rooms,age,price\n'),
    ).toBe(true);
  });

  it('skips groups too small for a task, and says so when none is left', () => {
    // Eight groups of 6 rows and two of 2 rows.
    const rows = Array.from({ length: 52 }, (_, i) => `${i < 48 ? `big${i % 8}` : `small${i % 2}`},${i},${i}`);
    const path = file('sizes.csv', ['task,x,y', ...rows].join('\n'));
    const family = create({ path, shots: 3, queryShots: 2 });
    expect(family.describe().source.skippedGroups).toEqual(['small0', 'small1']);
    for (let t = 0; t < 10; t++)
      expect(family.sample(Rng.for(0, Purpose.TrainTask, t, 0), 'train').support.x[0]).toBeLessThan(48);
    const err = specError(() => create({ path, shots: 4, queryShots: 3 }));
    expect(err.field).toBe('tasks.shots');
    expect(err.reason).toMatch(
      /^4 shots \+ 3 query shots need 7 rows per task, but the largest training group of "task" has 6 \(8 training groups\)$/,
    );
  });

  it('names the field, the column and the line of a bad value', () => {
    expect(specError(() => create({ path: 'missing.csv' })).message).toBe(
      `tasks.path: file not found: ${join(dir, 'missing.csv')}`,
    );
    expect(specError(() => create({ path: tracer, target: 'price' })).message).toBe(
      `tasks.target: no column "price" in ${tracer}; its columns are task, id, gid, note, y`,
    );
    expect(specError(() => create({ path: tracer, taskColumn: 'city' })).field).toBe('tasks.taskColumn');
    expect(specError(() => create({ path: tracer, features: ['id', 'rooms'] })).field).toBe('tasks.features[1]');
    expect(specError(() => create({ path: tracer, features: ['y'] })).reason).toMatch(/target column/);
    expect(specError(() => create({ path: tracer, features: ['note'] })).message).toBe(
      'tasks.features[0]: column "note" has "n0" on line 2 (row 1), which is not a number',
    );
    const typo = file('typo.csv', 'task,x,y\na,1,1\na,2,2\nb,x3,3\nb,4,4\n');
    expect(specError(() => create({ path: typo })).message).toMatch(
      /^tasks\.features: column "x" has "x3" on line 4 \(row 3\), which is not a number \(it was picked/,
    );
    const badTarget = file('target.csv', 'task,x,y\na,1,1\na,2,\n');
    expect(specError(() => create({ path: badTarget })).message).toMatch(
      /^tasks\.target: column "y" has an empty value on line 3/,
    );
    expect(specError(() => create({ path: file('bad.csv', 'task,x,y\na,1,"2\n') })).message).toMatch(
      /^tasks\.path: .* is not valid CSV: line 2/,
    );
    expect(specError(() => create({ path: file('one.csv', 'task,x,y\na,1,1\na,2,2\n') })).field).toBe(
      'tasks.taskColumn',
    );
    expect(specError(() => create({ path: file('blank.csv', 'task,x,y\na,1,1\n ,2,2\n') })).message).toBe(
      'tasks.taskColumn: column "task" is empty on line 3 (row 2)',
    );
    expect(specError(() => create({ path: file('header.csv', 'task,x,y\n') })).message).toBe(
      'tasks.path: header.csv has a header but no rows',
    );
  });
});
