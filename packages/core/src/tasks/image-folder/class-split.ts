import { SpecError } from '../../errors';
import type { ImageFolderTasksSpec } from '../../spec/schema';
import { pickHeldOut } from '../hold-out';
import type { ImageClass, ImageFolderDataset } from './dataset';

/** Which classes meta-train and which are held out for evaluation. */
export interface ImageClassSplit {
  train: ImageClass[];
  test: ImageClass[];
  /** how the test classes were chosen, for meta.json */
  by: 'testFraction' | 'testPath';
}

/**
 * Splits classes: with a testPath every class of path trains and every class of testPath is
 * held out (a class name in both is refused: held-out classes must be new ones); otherwise
 * pickHeldOut holds out round(testFraction · classes) of path's classes (at least 1), chosen
 * by a fixed shuffle of the sorted names — the same for every job on the same folder.
 */
export function splitClasses(spec: ImageFolderTasksSpec, data: ImageFolderDataset, testData?: ImageFolderDataset): ImageClassSplit {
  if (testData) {
    const names = new Set(data.classes.map((c) => c.name));
    const shared = testData.classes.filter((c) => names.has(c.name)).map((c) => c.name);
    if (shared.length > 0) {
      throw new SpecError(
        'tasks.testPath',
        `${shared.length} class(es) of ${spec.testPath} are also in tasks.path (${shared.slice(0, 5).join(', ')}${shared.length > 5 ? ', …' : ''}); held-out classes must be new classes`,
      );
    }
    return { train: data.classes, test: testData.classes, by: 'testPath' };
  }
  const held = new Set(pickHeldOut(data.classes.map((c) => c.name), spec.split.testFraction));
  return {
    train: data.classes.filter((c) => !held.has(c.name)),
    test: data.classes.filter((c) => held.has(c.name)),
    by: 'testFraction',
  };
}

/** Refuses a split that cannot make the spec's episodes, naming the field and the numbers. */
export function checkSplit(spec: ImageFolderTasksSpec, split: ImageClassSplit): void {
  const total = split.train.length + split.test.length;
  const how =
    split.by === 'testPath'
      ? `${split.train.length} classes in ${spec.path}, ${split.test.length} in ${spec.testPath}`
      : `${split.test.length} of the ${total} classes in ${spec.path} held out by split.testFraction ${spec.split.testFraction}`;
  for (const [side, classes] of [['training', split.train], ['held-out', split.test]] as const) {
    if (spec.ways > classes.length) {
      throw new SpecError('tasks.ways', `${spec.ways} ways need ${spec.ways} ${side} classes, but there are ${classes.length} (${how})`);
    }
  }
  const need = spec.shots + spec.queryShots;
  const fewest = [...split.train, ...split.test].reduce((a, b) => (b.count < a.count ? b : a));
  if (fewest.count < need) {
    const where = split.by === 'testPath' && split.test.includes(fewest) ? spec.testPath : spec.path;
    throw new SpecError(
      'tasks.shots',
      `${spec.shots} shots + ${spec.queryShots} query shots need ${need} images per class, but class ${fewest.name} of ${where} has ${fewest.count}`,
    );
  }
}
