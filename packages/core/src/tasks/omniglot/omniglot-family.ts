import { datasetKey } from '../../datasets/catalog';
import { SpecError } from '../../errors';
import type { Rng } from '../../rng/counter-rng';
import type { OmniglotTasksSpec } from '../../spec/schema';
import { type DataLocation, resolveDataPath } from '../data-path';
import type { Task, TaskFamily, TaskSplit } from '../task';
import { type CharacterSplit, mergeDatasets, splitCharacters } from './class-split';
import { type EpisodeClass, sampleEpisode, toClasses } from '../images/episodes';
import { loadOmniglotZip, type OmniglotCharacter } from './dataset';

/** Where the spec's zips are (data-path.ts); a catalog dataset's under `dataset:<name>` in `files`. */
export type OmniglotFamilyOptions = DataLocation;

/** One side of the data (training or test): the zips to load, how messages name them, the spec field. */
interface Zips {
  field: string;
  where: string;
  files: Array<{ path: string; field: string }>;
}

/**
 * The zips a spec names for one side: paths on this machine (`tasks.path`), or a catalog
 * dataset (`tasks.dataset`) whose local copy the caller fetched into `files`. A family does
 * no I/O but reading what it is given, so a dataset not fetched is a SpecError saying how.
 */
function zipsOf(
  named: { paths: string | string[] | undefined; dataset: string | undefined },
  fields: { path: string; dataset: string },
  opts: OmniglotFamilyOptions,
): Zips | undefined {
  if (named.dataset !== undefined) {
    const path = opts.files?.get(datasetKey(named.dataset));
    if (path === undefined) {
      throw new SpecError(fields.dataset, `${named.dataset} is not fetched: run \`metatrain data fetch ${named.dataset}\``);
    }
    return { field: fields.dataset, where: named.dataset, files: [{ path, field: fields.dataset }] };
  }
  const { paths } = named;
  if (paths === undefined) return undefined;
  const list = Array.isArray(paths) ? paths : [paths];
  return {
    field: fields.path,
    where: list.join(', '),
    files: list.map((p, i) => {
      const field = Array.isArray(paths) ? `${fields.path}[${i}]` : fields.path;
      return { path: resolveDataPath(p, opts, field), field };
    }),
  };
}

/** A character, possibly rotated, as a class of an episode. */
type OmniglotClass = EpisodeClass<OmniglotCharacter>;

function loadAll(zips: Zips, imageSize: number) {
  return mergeDatasets(zips.files.map((f) => loadOmniglotZip(f.path, imageSize, f.field)));
}

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
  const trainZips = zipsOf({ paths: spec.path, dataset: spec.dataset }, { path: 'tasks.path', dataset: 'tasks.dataset' }, opts);
  // validateSpec refuses a spec with neither; a spec built by hand may still lack both.
  if (!trainZips) throw new SpecError('tasks.path', 'required: the Omniglot zip(s), or a catalog dataset in tasks.dataset');
  const testZips = zipsOf({ paths: spec.testPath, dataset: spec.testDataset }, { path: 'tasks.testPath', dataset: 'tasks.testDataset' }, opts);
  const merged = loadAll(trainZips, spec.imageSize);
  const testSet = testZips && { merged: loadAll(testZips, spec.imageSize), where: testZips.where, field: testZips.field, trainField: trainZips.field };
  const split = splitCharacters(merged, spec.split, trainZips.where, testSet);
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
    // The spec's own words: a dataset's name, never this machine's path to it.
    ...(spec.dataset !== undefined ? { dataset: spec.dataset } : { path: spec.path }),
    ...(spec.testDataset !== undefined ? { testDataset: spec.testDataset } : {}),
    ...(spec.testPath ? { testPath: spec.testPath } : {}),
    split: testZips
      ? { by: spec.testDataset !== undefined ? 'testDataset' : 'testPath' }
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
