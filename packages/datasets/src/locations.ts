import { join } from 'node:path';
import type { DatasetEntry, DatasetFile } from '@metatrain/core';
import type { CompiledDatasetOptions } from './dataset-options';

/** Where a copy of a dataset's file can be: the places looked in, in order. */
export type Place = 'data dir' | 'shipped' | 'cache';

/** One place a file may be, and its path there. */
export interface Candidate {
  place: Place;
  path: string;
}

/** The file's path in the user cache, where downloads go. */
export function cachePath(entry: DatasetEntry, file: DatasetFile, options: CompiledDatasetOptions): string {
  return join(options.cacheDir, 'datasets', entry.name, file.name);
}

/**
 * Where a copy of `file` is looked for, in order: the data dir (METATRAIN_DATA_DIR) as
 * `<dataDir>/<name>/<file>`, the repository's shipped copy, then the user cache. The data dir
 * comes first so that an operator's own copy always wins.
 */
export function candidates(entry: DatasetEntry, file: DatasetFile, options: CompiledDatasetOptions): Candidate[] {
  const places: Candidate[] = [];
  if (options.dataDir !== undefined) places.push({ place: 'data dir', path: join(options.dataDir, entry.name, file.name) });
  if (options.shippedDir !== undefined && entry.shipped !== undefined) places.push({ place: 'shipped', path: join(options.shippedDir, entry.shipped, file.name) });
  places.push({ place: 'cache', path: cachePath(entry, file, options) });
  return places;
}

/** The URL `file` is downloaded from: the mirror's `<mirror>/<name>/<file>` when one is set, else the catalog's. */
export function downloadUrl(entry: DatasetEntry, file: DatasetFile, options: CompiledDatasetOptions): string {
  if (options.mirror === undefined) return file.url;
  return `${options.mirror}/${encodeURIComponent(entry.name)}/${encodeURIComponent(file.name)}`;
}
