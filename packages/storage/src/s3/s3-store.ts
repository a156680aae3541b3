import type { Agent } from 'node:http';
import { assertValidKey, type BlobStore } from '../blob-store';
import { Client } from 'minio';
import { StorageError } from '../errors';
import { withRetry } from '../retry-policy';
import { errorCode, toStorageError } from './s3-failure';
import { compileS3StoreOptions, type CompiledS3StoreOptions, type S3StoreOptions } from './s3-options';
import { createS3Transport } from './s3-transport';

/**
 * A BlobStore on an S3 bucket (MinIO in production, any S3 API in general) through minio-js.
 * Key `a/b` is the object `{prefix}a/b`. Every call is idempotent, so every call retries
 * transient failures (server restarting, timeouts, 5xx, SlowDown) with backoff until the
 * retry deadline; other failures throw a StorageError at once. S3 itself gives put its
 * all-or-nothing visibility. Open with `S3Store.create()`, release with `close()`.
 */
export class S3Store implements BlobStore {
  readonly #client: Client;
  readonly #agent: Agent;
  readonly #options: CompiledS3StoreOptions;
  #closing: Promise<void> | undefined;

  private constructor(client: Client, agent: Agent, options: CompiledS3StoreOptions) {
    this.#client = client;
    this.#agent = agent;
    this.#options = options;
  }

  /**
   * Checks the options, connects, and creates the bucket when it does not exist (safe when
   * several processes race to create it). Throws ConfigError for bad options and StorageError
   * when the endpoint refuses (bad credentials) or stays unreachable past the retry deadline.
   */
  static async create(options: S3StoreOptions): Promise<S3Store> {
    const compiled = compileS3StoreOptions(options);
    const { endPoint } = compiled;
    const { transport, agent } = createS3Transport(endPoint.useSSL, compiled.requestTimeoutMs);
    const client = new Client({
      endPoint: endPoint.host,
      port: endPoint.port,
      useSSL: endPoint.useSSL,
      accessKey: compiled.accessKey,
      secretKey: compiled.secretKey,
      // Known up front, so minio-js skips its GetBucketLocation round trip.
      region: compiled.region,
      // MinIO and most self-hosted S3 APIs do not serve virtual-host-style buckets.
      pathStyle: true,
      transport,
      transportAgent: agent,
      // Our own policy retries, with a deadline and the full set of transient conditions.
      retryOptions: { disableRetry: true },
    });
    const store = new S3Store(client, agent, compiled);
    try {
      await store.#ensureBucket();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** The bucket this store writes to. */
  get bucket(): string {
    return this.#options.bucket;
  }

  /** The key prefix inside the bucket: '' or ending with '/'. */
  get prefix(): string {
    return this.#options.prefix;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    assertValidKey(key);
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.#run('put', key, () => this.#client.putObject(this.bucket, this.prefix + key, body, body.length));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    return this.#run('get', key, async () => {
      let stream;
      try {
        stream = await this.#client.getObject(this.bucket, this.prefix + key);
      } catch (err) {
        if (errorCode(err) === 'NoSuchKey') return undefined;
        throw err;
      }
      // Reading the body is part of the attempt: a connection lost mid-body is retried too.
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const all = Buffer.concat(chunks);
      return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
    });
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token = '';
    // One page at a time; a continuation token stays valid, so a page is retried alone.
    do {
      const page = await this.#run('list', prefix, () =>
        this.#client.listObjectsV2Query(this.bucket, this.prefix + prefix, token, '', this.#options.listPageSize, ''),
      );
      for (const item of page.objects) {
        if (item.name?.startsWith(this.prefix)) keys.push(item.name.slice(this.prefix.length));
      }
      token = page.isTruncated ? page.nextContinuationToken : '';
    } while (token !== '');
    return keys.sort();
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    // S3 answers a delete of a missing key with success, as BlobStore wants.
    await this.#run('delete', key, () => this.#client.removeObject(this.bucket, this.prefix + key));
  }

  /** Releases the kept-alive connections. Idempotent; the store refuses calls afterwards. */
  close(): Promise<void> {
    this.#closing ??= Promise.resolve().then(() => this.#agent.destroy());
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #ensureBucket(): Promise<void> {
    const { bucket, region } = this.#options;
    await this.#run('create bucket', bucket, async () => {
      if (await this.#client.bucketExists(bucket)) return;
      try {
        await this.#client.makeBucket(bucket, region);
      } catch (err) {
        // Another process won the race (or the server says "exists" for our own bucket).
        const code = errorCode(err);
        const taken = code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists';
        if (!taken || !(await this.#client.bucketExists(bucket))) throw err;
      }
    });
  }

  async #run<T>(operation: string, target: string, call: () => Promise<T>): Promise<T> {
    const { bucket, endPoint, secretKey, retry, onRetry } = this.#options;
    const context = { operation, target, bucket, endpoint: endPoint.url, secrets: [secretKey], attempts: 0 };
    if (this.#closing) {
      const details = { operation, target, code: undefined, transient: false, attempts: 0 };
      throw new StorageError(`S3 ${operation} ${JSON.stringify(target)}: the store is closed`, details);
    }
    try {
      return await withRetry(
        (attempt) => {
          context.attempts = attempt;
          return call();
        },
        retry,
        { onRetry: (info) => onRetry({ operation, target, ...info }) },
      );
    } catch (err) {
      throw toStorageError(err, context);
    }
  }
}
