import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { omniglotDir } from '../testing/omniglot-data';
import { DATASETS, datasetKey, datasetNames, findDataset } from './catalog';

const datasetsDir = join(omniglotDir, '..');
/** datasets/omniglot/SHA256SUMS as file → sha256; shipped-data.test.ts checks the files against it. */
const sums = new Map(
  readFileSync(join(omniglotDir, 'SHA256SUMS'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => [line.slice(66), line.slice(0, 64)] as const),
);

describe('the dataset catalog', () => {
  it('names each dataset once, each with one file that families read', () => {
    expect(new Set(DATASETS.map((d) => d.name)).size).toBe(DATASETS.length);
    expect(datasetNames('omniglot')).toEqual(['omniglot-small1', 'omniglot-small2', 'omniglot-background', 'omniglot-evaluation']);
    for (const d of DATASETS) expect(d.files, d.name).toHaveLength(1);
    expect(findDataset('omniglot-small2')?.files[0]?.name).toBe('images_background_small2.zip');
    expect(findDataset('omniglot')).toBeUndefined();
    expect(datasetKey('omniglot-small1')).toBe('dataset:omniglot-small1');
  });

  it('pins every shipped file to the sha256 and size of the copy in datasets/', () => {
    const shipped = DATASETS.filter((d) => d.shipped !== undefined);
    expect(shipped.map((d) => d.name)).toEqual(['omniglot-small1', 'omniglot-small2']);
    for (const d of shipped) {
      for (const f of d.files) {
        expect(f.integrity, f.name).toBe('sha256');
        expect(f.sha256, f.name).toBe(sums.get(f.name));
        expect(f.bytes, f.name).toBe(statSync(join(datasetsDir, d.shipped ?? '', f.name)).size);
      }
    }
  });

  it('checks the files never seen here as zips, with no checksum or size made up', () => {
    for (const name of ['omniglot-background', 'omniglot-evaluation']) {
      const entry = findDataset(name);
      expect(entry?.shipped).toBeUndefined();
      expect(entry?.description).toContain('never downloaded here');
      for (const f of entry?.files ?? []) expect([f.integrity, f.sha256, f.bytes]).toEqual(['zip', undefined, undefined]);
    }
  });

  it('downloads from the official Omniglot repository over https', () => {
    for (const f of DATASETS.flatMap((d) => d.files)) {
      expect(f.url).toBe(`https://raw.githubusercontent.com/brendenlake/omniglot/master/python/${f.name}`);
    }
  });
});
