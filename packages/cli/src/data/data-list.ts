import { DATASETS } from '@metatrain/core';
import { type DatasetOptions, formatBytes, locateDataset } from '@metatrain/datasets';
import { renderTable } from '../jobs/table';

/** One dataset as `data list` shows it. */
export interface ListedDataset {
  name: string;
  family: string;
  files: string[];
  /** Total size in bytes, when the catalog knows every file's. */
  bytes: number | undefined;
  licence: string;
  description: string;
  /** Where each file would be taken from now: `data dir`, `shipped`, `cache`, or `not fetched`. */
  where: string[];
}

/** Every catalog dataset and where its files are on this machine (found, not checked: `data verify` checks). */
export async function listDatasets(options: DatasetOptions): Promise<ListedDataset[]> {
  return Promise.all(
    DATASETS.map(async (d) => {
      const located = await locateDataset(d.name, options);
      const sizes = d.files.map((f) => f.bytes);
      return {
        name: d.name,
        family: d.family,
        files: d.files.map((f) => f.name),
        bytes: sizes.every((b) => b !== undefined) ? sizes.reduce((a: number, b) => a + (b ?? 0), 0) : undefined,
        licence: d.licence,
        description: d.description,
        where: located.map((l) => l.place ?? 'not fetched'),
      };
    }),
  );
}

/** The table `metatrain data list` prints. */
export function formatDatasetTable(datasets: ListedDataset[]): string {
  return renderTable(
    ['name', 'family', 'files', 'size', 'licence', 'where'],
    datasets.map((d) => [d.name, d.family, d.files.join(', '), d.bytes === undefined ? 'unknown' : formatBytes(d.bytes), d.licence, [...new Set(d.where)].join(', ')]),
  );
}
