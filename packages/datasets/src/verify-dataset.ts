import { stat } from 'node:fs/promises';
import type { DatasetEntry } from '@metatrain/core';
import { checkFile, fileExists } from './checks/check-file';
import { compileDatasetOptions, type DatasetOptions } from './dataset-options';
import { catalogEntry } from './fetch-dataset';
import { candidates, type Place } from './locations';

/** One copy of one file of a dataset, and what its check found. */
export interface CopyReport {
  dataset: string;
  file: string;
  place: Place;
  path: string;
  /** `ok` with how it passed, or `failed` with why. */
  state: 'ok' | 'failed';
  detail: string;
}

/** What is on this machine of one dataset: every copy present (checked), and the files with none. */
export interface DatasetReport {
  dataset: string;
  copies: CopyReport[];
  /** Files with no copy in any place. */
  missing: string[];
}

/** Where a file of a dataset is now: the first place holding a copy (unchecked), or none. */
export type Located = { file: string; place: Place; path: string; bytes: number } | { file: string; place: undefined };

/** Where a dataset's files would be taken from now, without checking them: the first place holding each. */
export async function locateDataset(name: string, options: DatasetOptions = {}): Promise<Located[]> {
  const compiled = compileDatasetOptions(options);
  const entry = catalogEntry(name);
  return Promise.all(
    entry.files.map(async (file) => {
      for (const { place, path } of candidates(entry, file, compiled)) {
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile()) return { file: file.name, place, path, bytes: info.size };
      }
      const none: Located = { file: file.name, place: undefined };
      return none;
    }),
  );
}

/**
 * Checks every copy of dataset `name` present on this machine — data dir, shipped copy and
 * cache, not just the one that would be used — against the catalog (size, sha256 or zip
 * soundness). Downloads nothing.
 */
export async function verifyDataset(name: string, options: DatasetOptions = {}): Promise<DatasetReport> {
  const compiled = compileDatasetOptions(options);
  const entry: DatasetEntry = catalogEntry(name);
  const copies: CopyReport[] = [];
  const missing: string[] = [];
  for (const file of entry.files) {
    const before = copies.length;
    for (const { place, path } of candidates(entry, file, compiled)) {
      if (!(await fileExists(path))) continue;
      const check = await checkFile(path, file);
      copies.push({ dataset: name, file: file.name, place, path, state: check.ok ? 'ok' : 'failed', detail: check.ok ? check.how : check.problem });
    }
    if (copies.length === before) missing.push(file.name);
  }
  return { dataset: name, copies, missing };
}
