import type { Rng } from '../../rng/counter-rng';
import type { ImageFolderTasksSpec } from '../../spec/schema';
import { type DataLocation, resolveDataPath } from '../data-path';
import { type EpisodeClass, sampleEpisode, toClasses } from '../images/episodes';
import { LUMA } from '../images/raster';
import type { Task, TaskFamily, TaskSplit } from '../task';
import { checkSplit, splitClasses } from './class-split';
import { loadImageFolder } from './dataset';

export type ImageFolderFamilyOptions = DataLocation;

/**
 * N-way K-shot classification episodes from a user's own images: one folder per class of
 * PNG/JPEG files (or a zip of such a tree). Loads and decodes the images (cached per path,
 * image size and channels), splits the classes and checks every data-dependent field,
 * throwing SpecError naming the field. Episodes are drawn exactly as Omniglot's, without
 * rotations.
 */
export function createImageFolderFamily(spec: ImageFolderTasksSpec, opts: ImageFolderFamilyOptions = {}): TaskFamily {
  const load = (path: string, field: string) => loadImageFolder(resolveDataPath(path, opts, field), spec.imageSize, spec.channels, field);
  const data = load(spec.path, 'tasks.path');
  const testData = spec.testPath === undefined ? undefined : load(spec.testPath, 'tasks.testPath');
  const split = splitClasses(spec, data, testData);
  checkSplit(spec, split);
  const classes: Record<TaskSplit, EpisodeClass[]> = { train: toClasses(split.train, false), test: toClasses(split.test, false) };

  const shape = { ways: spec.ways, shots: spec.shots, queryShots: spec.queryShots, imageSize: spec.imageSize, channels: spec.channels };
  const source: Record<string, unknown> = {
    family: 'image-folder',
    path: spec.path,
    ...(spec.testPath ? { testPath: spec.testPath, split: { by: 'testPath' } } : { split: { testFraction: spec.split.testFraction } }),
    trainClasses: split.train.map((c) => c.name),
    testClasses: split.test.map((c) => c.name),
    images: {
      train: split.train.reduce((n, c) => n + c.count, 0),
      test: split.test.reduce((n, c) => n + c.count, 0),
    },
  };
  return {
    family: 'image-folder',
    kind: 'classification',
    inputShape: [spec.imageSize, spec.imageSize, spec.channels],
    outputSize: spec.ways,
    supportSize: spec.ways * spec.shots,
    querySize: spec.ways * spec.queryShots,
    sample(rng: Rng, which: TaskSplit): Task {
      return sampleEpisode(rng, classes[which], shape);
    },
    describe() {
      return {
        // Enough to turn a new image into a model input as training did (adapting an export).
        // Unlike Omniglot's ink (1 on a 0 background) nothing is inverted: white is 1.
        preprocessing: {
          imageSize: spec.imageSize,
          channels: spec.channels,
          colour: spec.channels === 1 ? 'grey' : 'rgb',
          ...(spec.channels === 1 ? { greyWeights: [...LUMA] } : {}),
          valueRange: [0, 1],
          white: 1,
          inverted: false,
          alphaOn: 'white',
          resize: 'area',
          aspectRatio: 'stretched',
          layout: 'HWC',
        },
        source,
      };
    },
  };
}
