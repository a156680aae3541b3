import { cachedFile, dataReferences, parseSpecText, STORED_DATA } from '@metatrain/core';

/**
 * Local copies of the data files a job's spec names as stored with the job (`sha256:<hex>`),
 * fetched from the coordinator (GetData) into `cacheDir` once and reused: `sha256:<hex>` →
 * path, for the compute thread's task family. A spec that does not parse names nothing here:
 * the compute thread reports its problem.
 */
export async function fetchJobData(specText: string, cacheDir: string, fetch: (sha256: string) => Promise<Uint8Array>): Promise<Record<string, string>> {
  let tasks;
  try {
    tasks = parseSpecText(specText).tasks;
  } catch {
    return {};
  }
  const files: Record<string, string> = {};
  for (const { path } of dataReferences(tasks)) {
    if (!STORED_DATA.test(path) || path in files) continue;
    const sha256 = path.slice('sha256:'.length);
    const local = await cachedFile(cacheDir, sha256, () => fetch(sha256));
    if (local) files[path] = local;
  }
  return files;
}
