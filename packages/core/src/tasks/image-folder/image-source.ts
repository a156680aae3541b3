import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { SpecError } from '../../errors';
import { compareCodeUnits } from '../hold-out';
import { isImageName } from '../images/decode-image';

/** A folder of class folders, or a zip of one: lists its images and reads their bytes. */
export interface ImageSource {
  /** the folder or zip, as given */
  path: string;
  kind: 'folder' | 'zip';
  /** changes when an image is added, removed or rewritten (a zip: when the file changes) */
  fingerprint: string;
  /** image paths relative to the root, `/`-separated, in no particular order */
  list(): string[];
  read(image: string): Uint8Array;
  /** how a message names one image */
  describe(image: string): string;
}

/** Entries no one means as data: dot files (macOS `._x.jpg` forks, `.DS_Store`) and macOS zip metadata. */
const ignored = (name: string) => name.startsWith('.') || name === '__MACOSX';

// Deep enough to find images one folder below a class folder, which is a layout mistake to
// report; anything deeper is not searched (a symlink loop must not hang the walk).
const MAX_FOLDER_DEPTH = 2;

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Opens `path` (absolute) as an image source: a directory, or any other file as a zip.
 * @param field the spec field to name in a SpecError
 */
export function openImageSource(path: string, field: string): ImageSource {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new SpecError(field, `not found: ${path}`);
  }
  if (stat.isDirectory()) return folderSource(path, field);
  if (stat.isFile()) return zipSource(path, field, stat);
  throw new SpecError(field, `neither a folder nor a zip file: ${path}`);
}

function folderSource(root: string, field: string): ImageSource {
  const files = new Map<string, Stats>();
  const visit = (folder: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(join(root, folder));
    } catch (err) {
      throw new SpecError(field, `cannot list ${join(root, folder)}: ${reason(err)}`);
    }
    for (const name of names.sort(compareCodeUnits)) {
      if (ignored(name)) continue;
      const rel = folder ? `${folder}/${name}` : name;
      let stat: Stats;
      try {
        stat = statSync(join(root, rel)); // follows symlinks: a class folder may be a link
      } catch (err) {
        throw new SpecError(field, `cannot read ${join(root, rel)}: ${reason(err)}`);
      }
      if (stat.isDirectory() && depth < MAX_FOLDER_DEPTH) visit(rel, depth + 1);
      else if (stat.isFile() && isImageName(name)) files.set(rel, stat);
    }
  };
  visit('', 0);
  const fingerprint = [...files].map(([rel, s]) => `${rel}\0${s.size}\0${s.mtimeMs}`).join('\n');
  return {
    path: root,
    kind: 'folder',
    fingerprint,
    list: () => [...files.keys()],
    read(image) {
      try {
        return readFileSync(join(root, image));
      } catch (err) {
        throw new SpecError(field, `cannot read ${join(root, image)}: ${reason(err)}`);
      }
    },
    describe: (image) => join(root, image),
  };
}

function zipSource(path: string, field: string, stat: Stats): ImageSource {
  let entries: Record<string, Uint8Array> | undefined;
  // Unzipped on first use only: a cached dataset needs the fingerprint alone.
  const open = () => {
    if (entries) return entries;
    try {
      entries = unzipSync(readFileSync(path), {
        filter: ({ name }) => isImageName(name) && !name.split('/').some(ignored),
      });
    } catch (err) {
      throw new SpecError(field, `cannot read ${path} as a zip: ${reason(err)}`);
    }
    return entries;
  };
  return {
    path,
    kind: 'zip',
    fingerprint: `${stat.size}\0${stat.mtimeMs}`,
    list: () => Object.keys(open()),
    read: (image) => open()[image] as Uint8Array,
    describe: (image) => `${image} in ${path}`,
  };
}
