import { dataKey, dataReferences, sha256Hex, STORED_DATA, type TasksSpec } from '@metatrain/core';
import { cachedFile } from '@metatrain/datasets';
import type { BlobStore } from '@metatrain/storage';

/**
 * The data files uploaded with jobs (JobService.UploadData), content-addressed in the
 * coordinator's storage (`data/sha256/<hex>`), and their local copies: task families read
 * local files, so before a job's family is built its `sha256:<hex>` paths are fetched from
 * storage into `cacheDir` (once; a copy that fails its checksum is fetched again, `cachedFile`).
 */
export class StoredData {
  constructor(
    private readonly storage: BlobStore,
    /** Local copies of stored files, named by their sha256. */
    private readonly cacheDir: string,
  ) {}

  /** Stores `bytes` under their sha256; false when they were stored already. */
  async put(bytes: Uint8Array, sha256 = sha256Hex(bytes)): Promise<boolean> {
    const key = dataKey(sha256);
    if ((await this.storage.list(key)).includes(key)) return false;
    await this.storage.put(key, bytes);
    return true;
  }

  /** The stored file, or undefined. */
  get(sha256: string): Promise<Uint8Array | undefined> {
    return this.storage.get(dataKey(sha256));
  }

  /**
   * Local paths of the stored files `tasks` names (`sha256:<hex>` → path), for
   * `createTaskFamily`'s `files`. A reference with no stored file is left out: building the
   * family then says which field names it.
   */
  async localFiles(tasks: TasksSpec): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    for (const { path } of dataReferences(tasks)) {
      if (!STORED_DATA.test(path) || files.has(path)) continue;
      const local = await this.localCopy(path.slice('sha256:'.length));
      if (local) files.set(path, local);
    }
    return files;
  }

  private localCopy(sha256: string): Promise<string | undefined> {
    return cachedFile(this.cacheDir, sha256, () => this.get(sha256));
  }
}
