import { describe, expect, it } from 'vitest';
import { Purpose, Rng } from '../../rng/counter-rng';
import type { OmniglotTasksSpec } from '../../spec/schema';
import { specError } from '../../testing/catch-spec-error';
import { OMNIGLOT_ZIPS, omniglotDir } from '../../testing/omniglot-data';
import { createOmniglotFamily } from './omniglot-family';

// `tasks.dataset` / `tasks.testDataset`: the family reads the local copies it is given in
// `files` (keyed dataset:<name>), fetched beforehand; it never looks for them itself.

const FILES = new Map([
  ['dataset:omniglot-small1', OMNIGLOT_ZIPS.small1],
  ['dataset:omniglot-small2', OMNIGLOT_ZIPS.small2],
]);

function spec(overrides: Partial<OmniglotTasksSpec>): OmniglotTasksSpec {
  return { family: 'omniglot', ways: 5, shots: 1, queryShots: 15, imageSize: 28, rotations: false, split: { by: 'alphabet', testFraction: 0.2 }, ...overrides };
}

describe('omniglot family with catalog datasets', () => {
  it('samples from the fetched copy exactly what the same zip by path gives', () => {
    const named = createOmniglotFamily(spec({ dataset: 'omniglot-small1' }), { files: FILES });
    const byPath = createOmniglotFamily(spec({ path: 'images_background_small1.zip' }), { baseDir: omniglotDir });
    for (const which of ['train', 'test'] as const) {
      const a = named.sample(Rng.for(4, Purpose.TrainTask, 1, 2), which);
      const b = byPath.sample(Rng.for(4, Purpose.TrainTask, 1, 2), which);
      expect(Buffer.from(a.query.x.buffer).equals(Buffer.from(b.query.x.buffer))).toBe(true);
    }
  });

  it('describes its source by the dataset names, never by where they were found', () => {
    const family = createOmniglotFamily(spec({ dataset: 'omniglot-small1', testDataset: 'omniglot-small2' }), { files: FILES });
    const { source } = family.describe();
    expect(source).toMatchObject({
      dataset: 'omniglot-small1',
      testDataset: 'omniglot-small2',
      split: { by: 'testDataset' },
      testAlphabets: ['Japanese_(katakana)', 'Sanskrit', 'Tagalog'],
    });
    expect(source).not.toHaveProperty('path');
    expect(JSON.stringify(source)).not.toContain(omniglotDir);
  });

  it('refuses a dataset it was not given, saying how to fetch it', () => {
    const missing = specError(() => createOmniglotFamily(spec({ dataset: 'omniglot-background' }), { files: FILES }));
    expect(missing.message).toBe('tasks.dataset: omniglot-background is not fetched: run `metatrain data fetch omniglot-background`');
    const test = specError(() => createOmniglotFamily(spec({ dataset: 'omniglot-small1', testDataset: 'omniglot-evaluation' }), { files: FILES }));
    expect(test.field).toBe('tasks.testDataset');
    expect(specError(() => createOmniglotFamily(spec({ dataset: 'omniglot-small1' }))).field).toBe('tasks.dataset');
  });

  it('names the dataset fields in what the data cannot do', () => {
    const same = specError(() => createOmniglotFamily(spec({ dataset: 'omniglot-small1', testDataset: 'omniglot-small1' }), { files: FILES }));
    expect(same.message).toBe(
      'tasks.testDataset: every alphabet of omniglot-small1 (Balinese, Early_Aramaic, Greek, Korean, Latin) is also in tasks.dataset; none is left to test on',
    );
    const alphabet = specError(() =>
      createOmniglotFamily(spec({ dataset: 'omniglot-small1', split: { by: 'alphabet', testFraction: 0.2, testAlphabets: ['Tagalog'] } }), { files: FILES }),
    );
    expect(alphabet.message).toBe('tasks.split.testAlphabets[0]: "Tagalog" is not an alphabet of omniglot-small1; it has Balinese, Early_Aramaic, Greek, Korean, Latin');
  });
});
