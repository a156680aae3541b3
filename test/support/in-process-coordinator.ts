import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Coordinator, type CoordinatorOptions } from '@metatrain/coordinator';
// Test-only raw Redis reads (tests in test/ cannot import ioredis).
import { snapshotKeys } from '@metatrain/coordinator/testing';
import { snapshotDirectory } from './grpc-calls';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './redis-server';

/** A real coordinator in this process: gRPC on 127.0.0.1:0, Redis, storage in a temporary directory. */
export interface InProcessCoordinator extends AsyncDisposable {
  readonly coordinator: Coordinator;
  /** The storage directory (also the data directory specs resolve against). */
  readonly dir: string;
  readonly redis: RedisTestServer;
  /** The queue prefix: every Redis key of this coordinator starts with it. */
  readonly prefix: string;
  /** Every Redis key and value under the prefix and every stored file's hash, to compare before and after. */
  snapshot(): Promise<{ redis: Record<string, string>; storage: Record<string, string> }>;
  close(): Promise<void>;
}

/**
 * Starts a coordinator with `options` over the defaults here (quiet log; a shard deadline far
 * beyond any test, so a job without workers holds still; jobs naming no backend on wasm, the
 * backend of the tests' workers and reports, so a job's shards are queued before any worker
 * registers).
 */
export async function startInProcessCoordinator(options: CoordinatorOptions = {}): Promise<InProcessCoordinator> {
  const dir = await mkdtemp(join(tmpdir(), 'metatrain-coordinator-'));
  const redis = await startRedisServer();
  const prefix = uniquePrefix('coordinator');
  let coordinator: Coordinator;
  try {
    coordinator = await Coordinator.create({
      redisUrl: redis.url,
      storage: { STORAGE_URL: pathToFileURL(dir).href },
      grpcPort: 0,
      httpPort: 0,
      host: '127.0.0.1',
      queuePrefix: prefix,
      dataDir: dir,
      shardDeadlineMs: 600_000,
      defaultBackend: 'wasm',
      log: () => undefined,
      ...options,
    });
  } catch (err) {
    await redis.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await coordinator.close();
      await redis.close();
      await rm(dir, { recursive: true, force: true });
    })());
  return {
    coordinator,
    dir,
    redis,
    prefix,
    snapshot: async () => ({ redis: await snapshotKeys(redis.url, prefix), storage: await snapshotDirectory(dir) }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
