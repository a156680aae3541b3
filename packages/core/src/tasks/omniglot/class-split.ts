import { SpecError } from '../../errors';
import type { OmniglotTasksSpec } from '../../spec/schema';
import { compareCodeUnits, heldOutCount, nameKey, pickHeldOut } from '../hold-out';
import type { OmniglotCharacter, OmniglotDataset } from './dataset';

/** Characters of one or more zips, one copy per alphabet name. */
export interface MergedCharacters {
  characters: OmniglotCharacter[];
  /** sorted */
  alphabets: string[];
  /** alphabets skipped in a later zip because an earlier one has an alphabet of that name */
  duplicates: string[];
}

/**
 * Joins several zips. An alphabet is identified by its name: the official splits repeat
 * Greek and Latin with the same images, so a later copy is skipped rather than doubled.
 */
export function mergeDatasets(datasets: readonly OmniglotDataset[]): MergedCharacters {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const characters: OmniglotCharacter[] = [];
  for (const dataset of datasets) {
    for (const alphabet of dataset.alphabets) {
      if (seen.has(alphabet)) duplicates.add(alphabet);
    }
    const fresh = new Set(dataset.alphabets.filter((a) => !seen.has(a)));
    characters.push(...dataset.characters.filter((c) => fresh.has(c.alphabet)));
    for (const a of fresh) seen.add(a);
  }
  characters.sort((a, b) => compareCodeUnits(a.alphabet, b.alphabet) || compareCodeUnits(a.character, b.character));
  return {
    characters,
    alphabets: [...seen].sort(compareCodeUnits),
    duplicates: [...duplicates].sort(compareCodeUnits),
  };
}

/** Which characters meta-train and which are held out for evaluation. */
export interface CharacterSplit {
  train: OmniglotCharacter[];
  test: OmniglotCharacter[];
  trainAlphabets: string[];
  testAlphabets: string[];
  /** by: character only — the held-out characters as `alphabet/character` */
  testCharacters?: string[];
}

type SplitSpec = OmniglotTasksSpec['split'];

/** The characters of `tasks.testPath` (or `tasks.testDataset`), which hold the held-out alphabets. */
export interface TestSet {
  merged: MergedCharacters;
  /** names the data in messages (the zip paths, the dataset) */
  where: string;
  /** the spec field that names it. @default 'tasks.testPath' */
  field?: string;
  /** the spec field that names the training data. @default 'tasks.path' */
  trainField?: string;
}

/**
 * Splits the characters of `tasks.path` (and `tasks.testPath`):
 * - testPath set: every character of path trains; the test set is the alphabets of testPath
 *   that path does not have (matched by name), optionally narrowed by split.testAlphabets.
 * - by alphabet: split.testAlphabets are held out, or by default the last
 *   round(testFraction · alphabets) alphabets in sorted order (at least 1).
 * - by character: in every alphabet, round(testFraction · characters) characters (at least 1,
 *   never all) are held out, chosen by a fixed stream Rng(0, DataSplit, hash(alphabet)) —
 *   the same choice for every job and independent of which other alphabets are loaded.
 * `where` names the data in messages (e.g. the zip path).
 */
export function splitCharacters(
  merged: MergedCharacters,
  split: SplitSpec,
  where: string,
  testPath?: TestSet,
): CharacterSplit {
  if (testPath) return splitByTestPath(merged, split, testPath);
  if (split.by === 'character') {
    if (split.testAlphabets) {
      throw new SpecError('tasks.split.testAlphabets', 'only applies to split.by: alphabet, not character');
    }
    return splitByCharacter(merged, split.testFraction);
  }
  return splitByAlphabet(merged, split, where);
}

function checkNames(names: readonly string[], available: readonly string[], where: string): void {
  names.forEach((name, i) => {
    if (!available.includes(name)) {
      throw new SpecError(
        `tasks.split.testAlphabets[${i}]`,
        `"${name}" is not an alphabet of ${where}; it has ${available.join(', ')}`,
      );
    }
  });
}

function byAlphabets(characters: readonly OmniglotCharacter[], test: ReadonlySet<string>) {
  return {
    train: characters.filter((c) => !test.has(c.alphabet)),
    test: characters.filter((c) => test.has(c.alphabet)),
  };
}

function splitByAlphabet(merged: MergedCharacters, split: SplitSpec, where: string): CharacterSplit {
  const { alphabets } = merged;
  let testAlphabets: string[];
  if (split.testAlphabets) {
    checkNames(split.testAlphabets, alphabets, where);
    testAlphabets = [...new Set(split.testAlphabets)].sort(compareCodeUnits);
    if (testAlphabets.length === alphabets.length) {
      throw new SpecError(
        'tasks.split.testAlphabets',
        `holds out all ${alphabets.length} alphabets of ${where}; none is left to train on`,
      );
    }
  } else {
    if (alphabets.length < 2) {
      throw new SpecError(
        'tasks.split.by',
        `${where} has one alphabet (${alphabets.join('')}), so none can be held out; ` +
          'use split.by: character or give tasks.testPath',
      );
    }
    const count = heldOutCount(alphabets.length, split.testFraction);
    testAlphabets = alphabets.slice(alphabets.length - count);
  }
  const test = new Set(testAlphabets);
  return {
    ...byAlphabets(merged.characters, test),
    trainAlphabets: alphabets.filter((a) => !test.has(a)),
    testAlphabets,
  };
}

function splitByCharacter(merged: MergedCharacters, testFraction: number): CharacterSplit {
  const testCharacters: string[] = [];
  for (const alphabet of merged.alphabets) {
    const names = merged.characters.filter((c) => c.alphabet === alphabet).map((c) => c.character);
    for (const name of pickHeldOut(names, testFraction, [nameKey(alphabet)]))
      testCharacters.push(`${alphabet}/${name}`);
  }
  const held = new Set(testCharacters);
  const isTest = (c: OmniglotCharacter) => held.has(`${c.alphabet}/${c.character}`);
  const test = merged.characters.filter(isTest);
  return {
    train: merged.characters.filter((c) => !isTest(c)),
    test,
    trainAlphabets: [...new Set(merged.characters.filter((c) => !isTest(c)).map((c) => c.alphabet))],
    testAlphabets: [...new Set(test.map((c) => c.alphabet))],
    testCharacters,
  };
}

function splitByTestPath(merged: MergedCharacters, split: SplitSpec, testSet: TestSet): CharacterSplit {
  const { merged: testMerged, where: testWhere, field = 'tasks.testPath', trainField = 'tasks.path' } = testSet;
  if (split.by === 'character') {
    throw new SpecError(
      'tasks.split.by',
      `with ${field} the held-out classes are the alphabets of ${field.slice('tasks.'.length)}; use by: alphabet (the default)`,
    );
  }
  const trainSet = new Set(merged.alphabets);
  let testAlphabets = testMerged.alphabets.filter((a) => !trainSet.has(a));
  if (testAlphabets.length === 0) {
    throw new SpecError(
      field,
      `every alphabet of ${testWhere} (${testMerged.alphabets.join(', ')}) is also in ${trainField}; none is left to test on`,
    );
  }
  if (split.testAlphabets) {
    checkNames(split.testAlphabets, testMerged.alphabets, testWhere);
    split.testAlphabets.forEach((name, i) => {
      if (trainSet.has(name)) {
        throw new SpecError(
          `tasks.split.testAlphabets[${i}]`,
          `"${name}" is also in ${trainField}, so it cannot be held out`,
        );
      }
    });
    const wanted = new Set(split.testAlphabets);
    testAlphabets = testAlphabets.filter((a) => wanted.has(a));
  }
  const test = new Set(testAlphabets);
  return {
    train: merged.characters,
    test: testMerged.characters.filter((c) => test.has(c.alphabet)),
    trainAlphabets: merged.alphabets,
    testAlphabets,
  };
}
