import type { TasksSpec } from '@metatrain/core';
import { type DatasetOptions, datasetOptionsFromEnv, resolveDatasets } from '@metatrain/datasets';
import { type DownloadBars, downloadBars } from './download-bars';

/**
 * The CLI's dataset options: METATRAIN_DATA_DIR, METATRAIN_CACHE_DIR (else the XDG cache) and
 * METATRAIN_DATASET_MIRROR from the environment; downloads drawn on stderr, notes there too.
 */
export function cliDatasetOptions(bars: DownloadBars): DatasetOptions {
  return { ...datasetOptionsFromEnv(process.env), onProgress: (p) => bars.onProgress(p), log: (line) => void process.stderr.write(`${line}\n`) };
}

/**
 * The local paths of the catalog datasets and pinned URLs `tasks` names, for
 * `createTaskFamily(tasks, { files })`: found on this machine or downloaded (with a progress
 * bar) before any work starts.
 * @throws {DatasetError} one line, naming the dataset or the field and what to do
 */
export async function fetchSpecData(tasks: TasksSpec): Promise<Map<string, string>> {
  const bars = downloadBars();
  try {
    return await resolveDatasets(tasks, cliDatasetOptions(bars));
  } finally {
    bars.close();
  }
}
