import { assertValidKey, type BlobStore } from './blob-store';

/** A BlobStore in memory, for tests and dry runs. Values are copied in and out. */
export class MemoryStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    assertValidKey(key);
    this.#blobs.set(key, new Uint8Array(bytes));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    const bytes = this.#blobs.get(key);
    return bytes && new Uint8Array(bytes);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.#blobs.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.#blobs.delete(key);
  }

  locate(key: string): string {
    return `memory:${key}`;
  }
}
