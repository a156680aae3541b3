import { describe, expect, it } from 'vitest';
import { type CharacterSplit, mergeDatasets, splitCharacters } from './class-split';
import type { OmniglotDataset } from './dataset';
import { specError } from '../../testing/catch-spec-error';

/** A dataset with `n` characters per alphabet and no pixels: splits only look at names. */
function fake(path: string, alphabets: Record<string, number>): OmniglotDataset {
  const names = Object.keys(alphabets).sort();
  return {
    path,
    imageSize: 1,
    alphabets: names,
    characters: names.flatMap((alphabet) =>
      Array.from({ length: alphabets[alphabet] as number }, (_, i) => ({
        alphabet,
        character: `character${String(i + 1).padStart(2, '0')}`,
        count: 20,
        images: new Float32Array(20),
      })),
    ),
  };
}

const small1 = fake('s1', { Balinese: 24, Early_Aramaic: 22, Greek: 24, Korean: 40, Latin: 26 });
const small2 = fake('s2', { Greek: 24, 'Japanese_(katakana)': 47, Latin: 26, Sanskrit: 42, Tagalog: 17 });
const byAlphabet = { by: 'alphabet' as const, testFraction: 0.2 };
const names = (s: CharacterSplit['train']) => s.map((c) => `${c.alphabet}/${c.character}`);


describe('mergeDatasets', () => {
  it('keeps one copy of an alphabet that several zips share', () => {
    const merged = mergeDatasets([small1, small2]);
    expect(merged.alphabets).toHaveLength(8);
    expect(merged.duplicates).toEqual(['Greek', 'Latin']);
    expect(merged.characters).toHaveLength(136 + 47 + 42 + 17);
    // The first zip's copy is kept.
    const greek = merged.characters.filter((c) => c.alphabet === 'Greek');
    const small1Greek = small1.characters.filter((c) => c.alphabet === 'Greek');
    expect(greek).toHaveLength(24);
    expect(greek.every((c, i) => c.images === small1Greek[i]?.images)).toBe(true);
  });
});

describe('splitCharacters', () => {
  it('holds out the last ~20 % of alphabets in sorted order by default', () => {
    const split = splitCharacters(mergeDatasets([small1]), byAlphabet, 's1');
    expect(split.testAlphabets).toEqual(['Latin']);
    expect(split.trainAlphabets).toEqual(['Balinese', 'Early_Aramaic', 'Greek', 'Korean']);
    expect(split.test).toHaveLength(26);
    expect(split.train).toHaveLength(110);
    const both = mergeDatasets([small1, small2]);
    expect(splitCharacters(both, { ...byAlphabet, testFraction: 0.25 }, 'both').testAlphabets).toEqual([
      'Sanskrit',
      'Tagalog',
    ]);
  });

  it('holds out the named alphabets and rejects unknown names', () => {
    const merged = mergeDatasets([small1]);
    const split = splitCharacters(merged, { ...byAlphabet, testAlphabets: ['Korean', 'Balinese'] }, 's1');
    expect(split.testAlphabets).toEqual(['Balinese', 'Korean']);
    expect(split.test).toHaveLength(64);
    const unknown = specError(() =>
      splitCharacters(merged, { ...byAlphabet, testAlphabets: ['Korean', 'Klingon'] }, 's1.zip'),
    );
    expect(unknown.field).toBe('tasks.split.testAlphabets[1]');
    expect(unknown.reason).toMatch(/"Klingon" is not an alphabet of s1\.zip; it has Balinese, Early_Aramaic/);
    const all = specError(() => splitCharacters(merged, { ...byAlphabet, testAlphabets: merged.alphabets }, 's1'));
    expect(all.field).toBe('tasks.split.testAlphabets');
  });

  it('needs two alphabets for an alphabet split', () => {
    const one = mergeDatasets([fake('x', { Greek: 24 })]);
    expect(specError(() => splitCharacters(one, byAlphabet, 'x')).field).toBe('tasks.split.by');
  });

  it('holds out a fixed share of characters per alphabet, the same every time', () => {
    const merged = mergeDatasets([small1]);
    const split = splitCharacters(merged, { by: 'character', testFraction: 0.2 }, 's1');
    const perAlphabet = (alphabet: string) => split.test.filter((c) => c.alphabet === alphabet).length;
    expect([perAlphabet('Balinese'), perAlphabet('Early_Aramaic'), perAlphabet('Korean')]).toEqual([5, 4, 8]);
    expect(split.test.length + split.train.length).toBe(136);
    const trainNames = new Set(names(split.train));
    expect(names(split.test).filter((n) => trainNames.has(n))).toEqual([]);
    expect(split.testCharacters).toEqual(names(split.test));
    // Not simply the last characters of each alphabet.
    expect(names(split.test).filter((n) => n.startsWith('Latin/'))).not.toEqual([
      'Latin/character22',
      'Latin/character23',
      'Latin/character24',
      'Latin/character25',
      'Latin/character26',
    ]);
    const again = splitCharacters(mergeDatasets([small1]), { by: 'character', testFraction: 0.2 }, 's1');
    expect(names(again.test)).toEqual(names(split.test));
    // An alphabet's choice does not depend on which other alphabets are loaded.
    const withMore = splitCharacters(mergeDatasets([small1, small2]), { by: 'character', testFraction: 0.2 }, 'both');
    expect(names(withMore.test).filter((n) => n.startsWith('Korean/'))).toEqual(
      names(split.test).filter((n) => n.startsWith('Korean/')),
    );
  });

  it('with testPath: trains on every class of path and tests on the new alphabets of testPath', () => {
    const testPath = { merged: mergeDatasets([small2]), where: 's2' };
    const split = splitCharacters(mergeDatasets([small1]), byAlphabet, 's1', testPath);
    expect(split.train).toHaveLength(136);
    expect(split.testAlphabets).toEqual(['Japanese_(katakana)', 'Sanskrit', 'Tagalog']);
    expect(split.test).toHaveLength(47 + 42 + 17);
    const narrowed = splitCharacters(
      mergeDatasets([small1]),
      { ...byAlphabet, testAlphabets: ['Tagalog'] },
      's1',
      testPath,
    );
    expect(narrowed.testAlphabets).toEqual(['Tagalog']);
    const shared = specError(() =>
      splitCharacters(mergeDatasets([small1]), { ...byAlphabet, testAlphabets: ['Greek'] }, 's1', testPath),
    );
    expect(shared.message).toBe(
      'tasks.split.testAlphabets[0]: "Greek" is also in tasks.path, so it cannot be held out',
    );
    const same = specError(() =>
      splitCharacters(mergeDatasets([small1]), byAlphabet, 's1', { merged: mergeDatasets([small1]), where: 's1' }),
    );
    expect(same.field).toBe('tasks.testPath');
    const byChar = specError(() =>
      splitCharacters(mergeDatasets([small1]), { by: 'character', testFraction: 0.2 }, 's1', testPath),
    );
    expect(byChar.field).toBe('tasks.split.by');
  });
});
