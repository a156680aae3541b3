import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readOmniglotZip } from './read-zip';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('readOmniglotZip', () => {
  it('groups PNGs by alphabet and character in sorted order, whatever the zip order', () => {
    const zip = zipSync({
      'top/Latin/character02/b.png': bytes('L2b'),
      'top/Greek/character01/x.png': bytes('G1x'),
      'top/Latin/character02/a.png': bytes('L2a'),
      'top/Latin/character01/a.png': bytes('L1a'),
      'top/Latin/character01/notes.txt': bytes('ignored'),
      '__MACOSX/top/Latin/character01/._a.png': bytes('ignored'),
      'stray.png': bytes('ignored'),
    });
    const characters = readOmniglotZip(zip);
    const decoder = new TextDecoder();
    expect(characters.map((c) => [c.alphabet, c.character, c.pngs.map((p) => decoder.decode(p))])).toEqual([
      ['Greek', 'character01', ['G1x']],
      ['Latin', 'character01', ['L1a']],
      ['Latin', 'character02', ['L2a', 'L2b']],
    ]);
  });

  it('throws on bytes that are not a zip', () => {
    expect(() => readOmniglotZip(bytes('definitely not a zip file'))).toThrow();
  });
});
