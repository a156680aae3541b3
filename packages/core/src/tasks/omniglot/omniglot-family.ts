import { SpecError } from '../../errors';
import type { Rng } from '../../rng/counter-rng';
import type { OmniglotTasksSpec } from '../../spec/schema';
import { type DataLocation, resolveDataPath } from '../data-path';
import type { Task, TaskFamily, TaskSplit } from '../task';
import { type CharacterSplit, mergeDatasets, splitCharacters } from './class-split';
import { type EpisodeClass, sampleEpisode, toClasses } from '../images/episodes';
import { loadOmniglotZip, type OmniglotCharacter } from './dataset';

/** Where the spec's zips are (data-path.ts). */
export type OmniglotFamilyOptions = DataLocation;

function loadAll(paths: string | string[], field: string, imageSize: number, location: DataLocation) {
  const list = Array.isArray(paths) ? paths : [paths];
  return mergeDatasets(
    list.map((p, i) => {
      const where = Array.isArray(paths) ? `${field}[${i}]` : field;
      return loadOmniglotZip(resolveDataPath(p, location, where), imageSize, where);
    }),
  );
}

/** A character, possibly rotated, as a class of an episode. */
type OmniglotClass = EpisodeClass<OmniglotCharacter>;

const listed = (paths: string | string[]) => (Array.isArray(paths) ? paths.join(', ') : paths);

function checkWays(
  spec: OmniglotTasksSpec,
  train: OmniglotClass[],
  test: OmniglotClass[],
  split: CharacterSplit,
): void {
  const rotated = spec.rotations ? ', counting rotations' : '';
  if (spec.ways > train.length) {
    throw new SpecError(
      'tasks.ways',
      `${spec.ways} ways need ${spec.ways} training classes, but the training split has ${train.length}` +
        ` (${split.train.length} characters of ${split.trainAlphabets.join(', ')}${rotated})`,
    );
  }
  if (spec.ways > test.length) {
    throw new SpecError(
      'tasks.ways',
      `${spec.ways} ways need ${spec.ways} held-out classes, but the test split has ${test.length}` +
        ` (${split.test.length} characters of ${split.testAlphabets.join(', ') || 'no alphabet'}${rotated})`,
    );
  }
}

/** The smallest number of drawings of any character in use, and that character. */
function fewestDrawings(split: CharacterSplit) {
  let min = { count: Infinity, name: '' };
  let uniform = true;
  for (const c of [...split.train, ...split.test]) {
    if (min.count !== Infinity && c.count !== min.count) uniform = false;
    if (c.count < min.count) min = { count: c.count, name: `${c.alphabet}/${c.character}` };
  }
  return { ...min, uniform };
}

/**
 * N-way K-shot classification episodes from Omniglot zips (Lake et al. 2015). Loads and
 * decodes the zips (cached per path and image size), splits the classes and checks every
 * data-dependent field, throwing SpecError naming the field.
 */
export function createOmniglotFamily(spec: OmniglotTasksSpec, opts: OmniglotFamilyOptions = {}): TaskFamily {
  const merged = loadAll(spec.path, 'tasks.path', spec.imageSize, opts);
  const testPath =
    spec.testPath === undefined
      ? undefined
      : { merged: loadAll(spec.testPath, 'tasks.testPath', spec.imageSize, opts), where: listed(spec.testPath) };
  const split = splitCharacters(merged, spec.split, listed(spec.path), testPath);
  const classes: Record<TaskSplit, OmniglotClass[]> = {
    train: toClasses(split.train, spec.rotations),
    test: toClasses(split.test, spec.rotations),
  };
  checkWays(spec, classes.train, classes.test, split);
  const need = spec.shots + spec.queryShots;
  const fewest = fewestDrawings(split);
  if (need > fewest.count) {
    const have = fewest.uniform ? `omniglot characters have ${fewest.count}` : `${fewest.name} has ${fewest.count}`;
    throw new SpecError(
      'tasks.shots',
      `${spec.shots} shots + ${spec.queryShots} query shots need ${need} examples per class, but ${have}`,
    );
  }

  const shape = { ways: spec.ways, shots: spec.shots, queryShots: spec.queryShots, imageSize: spec.imageSize };
  const source: Record<string, unknown> = {
    family: 'omniglot',
    path: spec.path,
    ...(spec.testPath ? { testPath: spec.testPath } : {}),
    split: spec.testPath
      ? { by: 'testPath' }
      : spec.split.by === 'alphabet' && spec.split.testAlphabets
        ? { by: 'alphabet', testAlphabets: spec.split.testAlphabets }
        : { by: spec.split.by, testFraction: spec.split.testFraction },
    trainAlphabets: split.trainAlphabets,
    testAlphabets: split.testAlphabets,
    ...(split.testCharacters ? { testCharacters: split.testCharacters } : {}),
    ...(merged.duplicates.length > 0 ? { duplicateAlphabetsSkipped: merged.duplicates } : {}),
    characters: { train: split.train.length, test: split.test.length },
    classes: { train: classes.train.length, test: classes.test.length },
    drawingsPerCharacter: fewest.count,
  };
  return {
    family: 'omniglot',
    kind: 'classification',
    inputShape: [spec.imageSize, spec.imageSize, 1],
    outputSize: spec.ways,
    supportSize: spec.ways * spec.shots,
    querySize: spec.ways * spec.queryShots,
    sample(rng: Rng, which: TaskSplit): Task {
      return sampleEpisode(rng, classes[which], shape);
    },
    describe() {
      return {
        preprocessing: {
          imageSize: spec.imageSize,
          valueRange: [0, 1],
          ink: 1,
          resize: 'area',
          channels: 1,
          rotations: spec.rotations,
        },
        source,
      };
    },
  };
}
