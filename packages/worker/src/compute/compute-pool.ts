import type { BackendInfo, ParamSet } from '@metatrain/core';
import { WorkerClosedError } from '../errors';
import { ComputeThread, type ComputedShard, type ComputeThreadOptions, type ShardTask } from './compute-thread';

/** Options of {@link ComputePool.create}. */
export interface ComputePoolOptions extends ComputeThreadOptions {
  /** Compute threads: shards computed at once. */
  threads: number;
}

interface Waiter {
  resolve: (thread: ComputeThread) => void;
  reject: (error: Error) => void;
}

/**
 * The worker's N compute threads (WORKER_THREADS), each computing one shard at a time: a
 * shard goes to an idle thread (or waits for one). Every thread selects the same backend, so
 * any thread computes any block to the same bits. A thread that crashes fails only its shard
 * and is replaced (ComputeThread); an aborted shard terminates only the thread computing it.
 * `close()` terminates them all; idempotent.
 */
export class ComputePool {
  private readonly idle: ComputeThread[];
  private readonly waiters: Waiter[] = [];
  private closing: Promise<void> | undefined;

  private constructor(private readonly threads: readonly ComputeThread[]) {
    this.idle = [...threads];
  }

  /**
   * Starts the threads at once and waits until every backend is up.
   * @throws what ComputeThread.create throws for the first thread that failed (the others are closed).
   */
  static async create(options: ComputePoolOptions): Promise<ComputePool> {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
    const started = await Promise.allSettled(Array.from({ length: options.threads }, () => ComputeThread.create(options)));
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((t) => t.close()));
      throw failed.reason;
    }
    return new ComputePool(threads);
  }

  /** The backend the threads compute on (the first thread's; they all select the same). */
  get backend(): BackendInfo {
    return (this.threads[0] as ComputeThread).backend;
  }

  /** How many threads the pool has. */
  get size(): number {
    return this.threads.length;
  }

  /**
   * Computes one shard on an idle thread, waiting for one when all are busy. `signal` stops
   * this shard only: the thread computing it is terminated and replaced, the others go on.
   * @throws as ComputeThread.compute; WorkerClosedError after close() or once `signal` aborted.
   */
  async compute(task: ShardTask, params: ParamSet, signal?: AbortSignal): Promise<ComputedShard> {
    const thread = await this.acquire(signal);
    try {
      return await thread.compute(task, params, signal);
    } finally {
      this.release(thread);
    }
  }

  /** Terminates every thread; a shard in progress or waiting fails with WorkerClosedError. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const waiter of this.waiters.splice(0)) waiter.reject(new WorkerClosedError('the compute threads were closed'));
      await Promise.all(this.threads.map((t) => t.close()));
    })());
  }

  private acquire(signal: AbortSignal | undefined): Promise<ComputeThread> {
    if (this.closing) return Promise.reject(new WorkerClosedError('the compute threads were closed'));
    if (signal?.aborted) return Promise.reject(new WorkerClosedError('the shard was aborted before a thread took it'));
    const thread = this.idle.pop();
    if (thread) return Promise.resolve(thread);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (t) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(t);
        },
        reject,
      };
      const onAbort = (): void => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new WorkerClosedError('the shard was aborted before a thread took it'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(thread: ComputeThread): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(thread);
    else this.idle.push(thread);
  }
}
