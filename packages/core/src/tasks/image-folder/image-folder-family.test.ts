import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpecErrors } from '../../errors';
import { Purpose, Rng } from '../../rng/counter-rng';
import { parseSpecText } from '../../spec/parse-spec';
import { specError } from '../../testing/catch-spec-error';
import { jpegFromRgb, pngFromRgba, writeTree } from '../../testing/image-files';
import { createTaskFamily, describeTaskFamily } from '../create-task-family';
import { pickHeldOut } from '../hold-out';
import type { Examples } from '../task';

const dir = mkdtempSync(join(tmpdir(), 'metatrain-image-family-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 4×4 of one colour that tells its class (red) and its image (green); image 1 of a class is a JPEG, the others PNGs. */
function flat(cls: number, image: number): Uint8Array {
  const rgb = [cls * 20 + 10, image * 30 + 10, 128];
  const pixels = Array.from({ length: 16 }, () => rgb).flat();
  return image === 1 ? jpegFromRgb(4, 4, pixels, 100) : pngFromRgba(4, 4, Array.from({ length: 16 }, () => [...rgb, 255]).flat(), 2);
}
function tree(prefix: string, classes: number, images: (c: number) => number, first = 0) {
  const files: Record<string, Uint8Array> = {};
  for (let c = first; c < first + classes; c++) for (let i = 0; i < images(c); i++) files[`${prefix}${c}/img${i}.${i === 1 ? 'jpg' : 'png'}`] = flat(c, i);
  return files;
}
const shapes = join(dir, 'shapes');
writeTree(shapes, tree('c', 8, (c) => (c === 5 ? 5 : 6)));
const extra = join(dir, 'extra');
writeTree(extra, tree('t', 3, () => 6, 10));
writeTree(join(dir, 'few'), tree('t', 3, (c) => (c === 11 ? 4 : 6), 10));

function family(tasks: string) {
  const spec = parseSpecText(`name: t\nalgorithm: protonet\nmodel: { kind: conv4, channels: 4 }\ntasks: ${tasks}\nouter: { lr: 0.001, metaBatchSize: 2, iterations: 1 }\n`);
  return createTaskFamily(spec.tasks, { baseDir: dir });
}
const base = '{ family: image-folder, path: shapes, ways: 3, shots: 2, queryShots: 2, imageSize: 16, channels: 3, split: { testFraction: 0.4 }';
const spec = (more = '') => `${base}${more} }`;

/** The class (from red) and image (from green) of example `row`. */
function origin(side: Examples, row: number) {
  const values = 16 * 16 * 3;
  const [r, g] = [side.x[row * values] as number, side.x[row * values + 1] as number].map((v) => Math.round(v * 255));
  return { cls: Math.round(((r as number) - 10) / 20), image: Math.round(((g as number) - 10) / 30), label: side.y[row] as number };
}

describe('image-folder tasks', () => {
  const rgb = family(spec());

  it('draws N-way K-shot episodes of the training classes, and of the held-out ones for evaluation', () => {
    expect([rgb.family, rgb.kind, rgb.inputShape, rgb.outputSize, rgb.supportSize, rgb.querySize]).toEqual(['image-folder', 'classification', [16, 16, 3], 3, 6, 6]);
    const names = Array.from({ length: 8 }, (_, c) => `c${c}`);
    const testClasses = pickHeldOut(names, 0.4);
    expect(testClasses).toHaveLength(3);
    expect(rgb.describe().source).toMatchObject({ trainClasses: names.filter((n) => !testClasses.includes(n)), testClasses });
    for (const split of ['train', 'test'] as const) {
      for (let i = 0; i < 10; i++) {
        const task = rgb.sample(Rng.for(5, Purpose.TrainTask, 0, i), split);
        const rows = [...Array.from({ length: 6 }, (_, r) => origin(task.support, r)), ...Array.from({ length: 6 }, (_, r) => origin(task.query, r))];
        expect(Array.from(task.support.y)).toEqual([0, 0, 1, 1, 2, 2]);
        for (let label = 0; label < 3; label++) {
          const ofLabel = rows.filter((o) => o.label === label);
          expect(new Set(ofLabel.map((o) => o.cls)).size).toBe(1);
          expect(new Set(ofLabel.map((o) => o.image)).size).toBe(4); // support and query images differ
          expect(testClasses.includes(`c${ofLabel[0]?.cls}`)).toBe(split === 'test');
        }
        expect(new Set(rows.map((o) => o.cls)).size).toBe(3);
      }
    }
  });

  it('is a pure function of the Rng key', () => {
    const again = family(spec());
    const a = rgb.sample(Rng.for(3, Purpose.TrainTask, 7, 1), 'train');
    const b = again.sample(Rng.for(3, Purpose.TrainTask, 7, 1), 'train');
    expect(Buffer.from(b.support.x.buffer).equals(Buffer.from(a.support.x.buffer))).toBe(true);
    expect(Buffer.from(b.query.x.buffer).equals(Buffer.from(a.query.x.buffer))).toBe(true);
    expect(b.query.y).toEqual(a.query.y);
    expect(rgb.sample(Rng.for(3, Purpose.TrainTask, 7, 2), 'train').support.x).not.toEqual(a.support.x);
  });

  it('is grey with channels: 1 (the default)', () => {
    const grey = family(`${base.replace('channels: 3, ', '')} }`);
    expect(grey.inputShape).toEqual([16, 16, 1]);
    expect(grey.sample(Rng.for(0, Purpose.TrainTask, 0, 0), 'train').support.x).toHaveLength(6 * 16 * 16);
  });

  it('with testPath: trains on every class of path and evaluates on those of testPath', () => {
    const both = family(spec(', testPath: extra'));
    expect(both.describe().source).toMatchObject({ testPath: 'extra', trainClasses: Array.from({ length: 8 }, (_, c) => `c${c}`), testClasses: ['t10', 't11', 't12'] });
    const task = both.sample(Rng.for(0, Purpose.EvalTask, 0, 0), 'test');
    expect(new Set(Array.from({ length: 6 }, (_, r) => origin(task.query, r).cls))).toEqual(new Set([10, 11, 12]));
    const shared = specError(() => family(spec(', testPath: shapes')));
    expect(shared.message).toMatch(/^tasks\.testPath: 8 class\(es\) of shapes are also in tasks\.path \(c0, c1, c2, c3, c4, …\); held-out classes must be new classes$/);
  });

  it('refuses too many ways or shots for the data, naming the field and the numbers', () => {
    expect(specError(() => family(spec().replace('ways: 3', 'ways: 4'))).message).toBe(
      `tasks.ways: 4 ways need 4 held-out classes, but there are 3 (3 of the 8 classes in shapes held out by split.testFraction 0.4)`,
    );
    expect(specError(() => family(spec(', testPath: extra').replace('ways: 3', 'ways: 9'))).message).toBe(
      'tasks.ways: 9 ways need 9 training classes, but there are 8 (8 classes in shapes, 3 in extra)',
    );
    expect(specError(() => family(spec().replace('shots: 2', 'shots: 4'))).message).toBe(
      'tasks.shots: 4 shots + 2 query shots need 6 images per class, but class c5 of shapes has 5',
    );
    expect(specError(() => family(spec(', testPath: few').replace('queryShots: 2', 'queryShots: 3'))).message).toBe(
      'tasks.shots: 2 shots + 3 query shots need 5 images per class, but class t11 of few has 4',
    );
  });

  it('validates the spec fields themselves, every bad one named', () => {
    const bad = () => family(spec(', channels: 2, imageSize: 8, colour: true').replace('channels: 3, ', '').replace('imageSize: 16, ', ''));
    expect(bad).toThrow(SpecErrors);
    try {
      bad();
    } catch (err) {
      expect((err as SpecErrors).errors.map((e) => e.field).sort()).toEqual(['tasks.channels', 'tasks.colour']);
    }
    expect(() => family(spec().replace('imageSize: 16', 'imageSize: 8'))).toThrow('tasks.imageSize: conv4 needs images of at least 16×16');
  });

  it('records how images were turned into inputs in meta.json: no inversion, white = 1', () => {
    const meta = JSON.parse(JSON.stringify(describeTaskFamily(rgb)));
    expect(meta).toMatchObject({ family: 'image-folder', kind: 'classification', inputShape: [16, 16, 3] });
    expect(meta.preprocessing).toEqual({
      imageSize: 16,
      channels: 3,
      colour: 'rgb',
      valueRange: [0, 1],
      white: 1,
      inverted: false,
      alphaOn: 'white',
      resize: 'area',
      aspectRatio: 'stretched',
      layout: 'HWC',
    });
    expect(describeTaskFamily(family(`${base.replace('channels: 3, ', '')} }`)).preprocessing).toMatchObject({ channels: 1, colour: 'grey', greyWeights: [0.299, 0.587, 0.114] });
  });
});
