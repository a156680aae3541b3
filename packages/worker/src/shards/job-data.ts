import { dataReferences, parseSpecText, STORED_DATA } from '@metatrain/core';
import { cachedFile, type DatasetResolver } from '@metatrain/datasets';

/** Where a job's data comes from on a worker. */
export interface JobDataSources {
  /** Finds (or downloads) the catalog datasets (`tasks.dataset`) and pinned URLs (`https://…#sha256=<hex>`) a spec names. */
  datasets: DatasetResolver;
  /** Where data stored with jobs is copied, by sha256. */
  cacheDir: string;
  /** The bytes of a file stored with the job (GetData). */
  fetchStored: (sha256: string) => Promise<Uint8Array>;
}

/**
 * Local copies of the data a job's spec (text) names, for the compute thread's task family,
 * which only reads what it is given: its catalog datasets (`dataset:<name>` → path) and pinned
 * URLs (the spec's string → path), found or downloaded here, and the files uploaded with the
 * job (`sha256:<hex>` → path, fetched into `cacheDir` once and reused).
 * Paths on this machine need nothing. A spec that does not parse names nothing here: the
 * compute thread reports its problem.
 */
export async function fetchJobData(specText: string, sources: JobDataSources, signal: AbortSignal): Promise<ReadonlyMap<string, string>> {
  let tasks;
  try {
    tasks = parseSpecText(specText).tasks;
  } catch {
    return new Map();
  }
  const files = new Map(await sources.datasets(tasks, signal));
  for (const { path } of dataReferences(tasks)) {
    if (!STORED_DATA.test(path) || files.has(path)) continue;
    const sha256 = path.slice('sha256:'.length);
    const local = await cachedFile(sources.cacheDir, sha256, () => sources.fetchStored(sha256));
    if (local) files.set(path, local);
  }
  return files;
}
