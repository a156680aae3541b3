import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../errors';
import { omniglotDir as dataDir, OMNIGLOT_ZIPS } from '../../testing/omniglot-data';
import { loadOmniglotZip } from './dataset';

const small1 = OMNIGLOT_ZIPS.small1;

/** Characters per alphabet, counted from the zip's file names alone. */
function listCharacters(path: string): Map<string, number> {
  const dirs = new Set<string>();
  unzipSync(readFileSync(path), {
    filter: ({ name }) => {
      const parts = name.split('/');
      if (name.endsWith('.png')) dirs.add(`${parts[1]}/${parts[2]}`);
      return false;
    },
  });
  const counts = new Map<string, number>();
  for (const dir of dirs) {
    const alphabet = dir.split('/')[0] as string;
    counts.set(alphabet, (counts.get(alphabet) ?? 0) + 1);
  }
  return counts;
}

describe('loadOmniglotZip', () => {
  const dataset = loadOmniglotZip(small1, 28, 'tasks.path');

  it('has every character of every alphabet in the zip, 20 drawings each', () => {
    const expected = listCharacters(small1);
    expect(dataset.alphabets).toEqual(['Balinese', 'Early_Aramaic', 'Greek', 'Korean', 'Latin']);
    for (const alphabet of dataset.alphabets) {
      expect(dataset.characters.filter((c) => c.alphabet === alphabet)).toHaveLength(expected.get(alphabet) as number);
    }
    expect(dataset.characters).toHaveLength(136);
    for (const c of dataset.characters) {
      expect(c.count).toBe(20);
      expect(c.images).toHaveLength(20 * 28 * 28);
    }
  });

  it('stores ink coverage in [0, 1], ink = 1 on a white (0) background', () => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let n = 0;
    let corners = 0;
    for (const { images } of dataset.characters) {
      for (const v of images) {
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
      }
      n += images.length;
      for (let i = 0; i < images.length; i += 784) corners += images[i] as number;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Pen strokes cover a small part of the page: ~7–8 % at 28×28.
    expect(sum / n).toBeGreaterThan(0.03);
    expect(sum / n).toBeLessThan(0.2);
    expect(corners).toBe(0);
  });

  it('caches per path and image size', () => {
    expect(loadOmniglotZip(small1, 28, 'tasks.path')).toBe(dataset);
    const big = loadOmniglotZip(small1, 32, 'tasks.path');
    expect(big).not.toBe(dataset);
    expect(big.characters[0]?.images).toHaveLength(20 * 32 * 32);
  });

  it('names the field and the path when the file is missing or not a zip', () => {
    const missing = join(dataDir, 'no-such.zip');
    expect(() => loadOmniglotZip(missing, 28, 'tasks.path[1]')).toThrow(SpecError);
    expect(() => loadOmniglotZip(missing, 28, 'tasks.path[1]')).toThrow(`tasks.path[1]: file not found: ${missing}`);
    const junk = join(tmpdir(), `metatrain-junk-${process.pid}.zip`);
    writeFileSync(junk, 'not a zip');
    try {
      expect(() => loadOmniglotZip(junk, 28, 'tasks.path')).toThrow(/tasks\.path: cannot read .* as a zip/);
    } finally {
      rmSync(junk, { force: true });
    }
  });
});
