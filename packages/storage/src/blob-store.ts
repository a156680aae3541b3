/**
 * The storage seam: a flat key → bytes map with '/'-separated keys, the shape of an S3 bucket.
 * Checkpoints, specs and exports go through it; DirectoryStore implements it on a local
 * directory, S3Store on a bucket, MemoryStore in memory (tests).
 */
export interface BlobStore {
  /** Writes the whole value; readers see either the old value or the new one, never a mix. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The value, or undefined when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key that starts with `prefix` (at any depth), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes the key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Where `key` (or a prefix ending in '/') lives, for people: a `file://` or `s3://` URL. */
  locate(key: string): string;
}

/**
 * Throws unless `key` is a relative '/'-separated path without empty, '.' or '..' segments, so
 * that no key can escape a store's root or mean two different things.
 */
export function assertValidKey(key: string): void {
  const bad = (why: string) => new Error(`invalid storage key ${JSON.stringify(key)}: ${why}`);
  if (key === '') throw bad('empty');
  if (key.includes('\\') || key.includes('\0')) throw bad('contains a backslash or NUL');
  for (const segment of key.split('/')) {
    if (segment === '') throw bad('empty path segment');
    if (segment === '.' || segment === '..') throw bad(`"${segment}" segment`);
  }
}
