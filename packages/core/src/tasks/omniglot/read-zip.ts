import { unzipSync } from 'fflate';
import { compareCodeUnits as byCodeUnit } from '../hold-out';

/** The drawings of one character, as the PNG files of the zip, sorted by file name. */
export interface ZipCharacter {
  alphabet: string;
  character: string;
  pngs: Uint8Array[];
}

/**
 * Lists the characters of an Omniglot zip: every `…/<alphabet>/<character>/<file>.png`,
 * whatever the top folder is called. The result is sorted by alphabet, character and file
 * name (code-unit order), so it does not depend on the order of entries in the zip.
 * Throws the underlying error if the bytes are not a zip.
 */
export function readOmniglotZip(zip: Uint8Array): ZipCharacter[] {
  const files = unzipSync(zip, {
    filter: (f) => f.name.toLowerCase().endsWith('.png') && !f.name.startsWith('__MACOSX/'),
  });
  const byKey = new Map<string, ZipCharacter & { names: string[] }>();
  for (const [name, bytes] of Object.entries(files)) {
    const parts = name.split('/');
    if (parts.length < 3) continue;
    const alphabet = parts[parts.length - 3] as string;
    const character = parts[parts.length - 2] as string;
    const key = `${alphabet}/${character}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { alphabet, character, pngs: [], names: [] };
      byKey.set(key, entry);
    }
    entry.names.push(name);
    entry.pngs.push(bytes);
  }
  const characters = [...byKey.values()].map(({ alphabet, character, pngs, names }) => {
    const order = names.map((_, i) => i).sort((i, j) => byCodeUnit(names[i] as string, names[j] as string));
    return { alphabet, character, pngs: order.map((i) => pngs[i] as Uint8Array) };
  });
  return characters.sort((a, b) => byCodeUnit(a.alphabet, b.alphabet) || byCodeUnit(a.character, b.character));
}
