import { availableParallelism } from 'node:os';
import { InputError } from '@metatrain/core';
import type { AdaptedModel, AdaptExportResult, AdaptTask, LoadedExport } from '@metatrain/metalearn';
import { ComputeError, DeadlineError, EngineClosedError, QueueFullError } from '../errors';
import { ServeThread } from './serve-thread';
import type { PredictResult } from './thread-protocol';

/** Options of {@link AdaptEngine.create}; all optional. */
export interface AdaptEngineOptions {
  /** Compute threads. @default one per core (os.availableParallelism()) */
  threads?: number;
  /**
   * How long a request may wait for others of its model to be adapted with, in ms, while a
   * computation is running (an idle engine computes a request at once). @default 2
   */
  batchWindowMs?: number;
  /** Most requests adapted in one computation. @default 64 */
  maxBatch?: number;
  /** false: every request is computed alone (for comparison). @default true */
  batching?: boolean;
  /** Most requests waiting for a thread; beyond it a request is refused with QueueFullError. @default 1024 */
  queueLimit?: number;
  /** Receives the threads' log lines. @default stderr */
  log?: (line: string) => void;
  /** Hears every computation: how many requests it held and how long it took. */
  onComputation?: (requests: number, computeMs: number) => void;
}

export type CompiledAdaptEngineOptions = Required<Omit<AdaptEngineOptions, 'onComputation'>> & Pick<AdaptEngineOptions, 'onComputation'>;

/** Fills in the defaults and checks the numbers. */
export function compileAdaptEngineOptions(options: AdaptEngineOptions): CompiledAdaptEngineOptions {
  const compiled = {
    threads: options.threads ?? availableParallelism(),
    batchWindowMs: options.batchWindowMs ?? 2,
    maxBatch: options.maxBatch ?? 64,
    batching: options.batching ?? true,
    queueLimit: options.queueLimit ?? 1024,
    log: options.log ?? ((line: string) => void process.stderr.write(`${line}\n`)),
    ...(options.onComputation ? { onComputation: options.onComputation } : {}),
  };
  for (const key of ['threads', 'maxBatch', 'queueLimit'] as const) {
    if (!Number.isInteger(compiled[key]) || compiled[key] < 1) throw new RangeError(`${key}: must be a positive integer, got ${compiled[key]}`);
  }
  if (!(compiled.batchWindowMs >= 0)) throw new RangeError(`batchWindowMs: must be 0 or more, got ${compiled.batchWindowMs}`);
  return compiled;
}

type Work = { kind: 'adapt'; task: AdaptTask } | { kind: 'predict'; adapted: AdaptedModel; x: Float32Array; n: number };

interface Item {
  key: string;
  work: Work;
  enqueuedAt: number;
  deadline: number;
  resolve: (value: AdaptExportResult | PredictResult) => void;
  reject: (error: Error) => void;
}

/**
 * Adaptation off the event loop: a pool of compute threads that adapt exported meta-models.
 * Requests for the same model that arrive within `batchWindowMs` of each other while a
 * computation runs (or pile up while every thread is busy) are adapted together as one task-batched computation
 * (adaptExportBatch), each answer the one its request gets alone. The queue is bounded.
 * Used by `metatrain serve` and the coordinator's Adapt RPC. `close()` is idempotent.
 */
export class AdaptEngine {
  private readonly queue: Item[] = [];
  private readonly models = new Map<string, LoadedExport>();
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private nextId = 1;

  private constructor(
    private readonly options: CompiledAdaptEngineOptions,
    private threads: ServeThread[],
  ) {}

  /** Starts the threads and waits until their backends are up. */
  static async create(options: AdaptEngineOptions = {}): Promise<AdaptEngine> {
    const compiled = compileAdaptEngineOptions(options);
    // Threads that die are replaced by the engine, which exists once they all started.
    const ref: { engine?: AdaptEngine } = {};
    const onExit = (thread: ServeThread, error: Error) => ref.engine?.replace(thread, error);
    const started = await Promise.allSettled(Array.from({ length: compiled.threads }, () => ServeThread.create(compiled.log, onExit)));
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((t) => t.terminate(new EngineClosedError('engine failed to start'))));
      throw failed.reason;
    }
    ref.engine = new AdaptEngine(compiled, threads);
    return ref.engine;
  }

  /** The backend the threads compute on. */
  get backend(): string {
    return this.threads[0]?.backend ?? 'none';
  }

  /** Requests waiting for a thread. */
  get queueDepth(): number {
    return this.queue.length;
  }

  hasModel(key: string): boolean {
    return this.models.has(key);
  }

  /** Makes an export available to the threads under `key`. */
  addModel(key: string, loaded: LoadedExport): void {
    this.models.set(key, loaded);
    for (const thread of this.threads) thread.load({ kind: 'load', key, loaded });
  }

  /**
   * Forgets model `key` (every thread drops it). Refused (false) while requests for it wait for
   * a thread; computations already sent finish first, as a thread handles messages in order.
   */
  removeModel(key: string): boolean {
    if (this.queue.some((item) => item.key === key)) return false;
    if (this.models.delete(key)) for (const thread of this.threads) thread.load({ kind: 'unload', key });
    return true;
  }

  /**
   * Adapts model `key` to one task (and predicts its query).
   * @throws InputError naming the field, QueueFullError, DeadlineError when `deadline` (ms since
   *   the epoch) passes before a thread takes it, ComputeError, EngineClosedError
   */
  adapt(key: string, task: AdaptTask, deadline = Number.POSITIVE_INFINITY): Promise<AdaptExportResult> {
    return this.submit(key, { kind: 'adapt', task }, deadline) as Promise<AdaptExportResult>;
  }

  /** Predicts `n` examples with a model adapted earlier (never batched: each has its own parameters). */
  predict(key: string, adapted: AdaptedModel, x: Float32Array, n: number, deadline = Number.POSITIVE_INFINITY): Promise<PredictResult> {
    return this.submit(key, { kind: 'predict', adapted, x, n }, deadline) as Promise<PredictResult>;
  }

  /** Terminates the threads; queued requests fail with EngineClosedError. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      clearTimeout(this.timer);
      const error = new EngineClosedError('the adaptation engine was closed');
      for (const item of this.queue.splice(0)) item.reject(error);
      await Promise.all(this.threads.map((t) => t.terminate(error)));
    })());
  }

  private submit(key: string, work: Work, deadline: number): Promise<AdaptExportResult | PredictResult> {
    if (this.closing) return Promise.reject(new EngineClosedError('the adaptation engine was closed'));
    if (!this.models.has(key)) return Promise.reject(new Error(`model ${key} was not added to the engine`));
    if (this.queue.length >= this.options.queueLimit) return Promise.reject(new QueueFullError(`${this.queue.length} requests are waiting (the limit)`));
    return new Promise((resolve, reject) => {
      this.queue.push({ key, work, enqueuedAt: Date.now(), deadline, resolve, reject });
      this.schedule();
    });
  }

  /** Hands waiting requests to idle threads: a batch when the window has passed or is full. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    for (const late of this.queue.filter((i) => i.deadline <= now)) {
      this.queue.splice(this.queue.indexOf(late), 1);
      late.reject(new DeadlineError('the deadline passed while the request waited for a compute thread'));
    }
    for (;;) {
      const head = this.queue[0];
      const idle = this.threads.filter((t) => t.alive && !t.busy);
      if (!head || idle.length === 0) return;
      if (head.work.kind !== 'adapt' || !this.options.batching) {
        this.dispatch(idle[0] as ServeThread, head.key, [head]);
        continue;
      }
      const same = this.queue.filter((i) => i.key === head.key && i.work.kind === 'adapt').slice(0, this.options.maxBatch * idle.length);
      const waited = now - head.enqueuedAt;
      // An idle engine computes at once: waiting only pays while computations are running,
      // which is when more requests are coming.
      const running = this.threads.some((t) => t.busy);
      if (running && same.length < this.options.maxBatch && waited < this.options.batchWindowMs) {
        this.timer = setTimeout(() => this.schedule(), this.options.batchWindowMs - waited);
        return;
      }
      // Shared among the idle threads: one thread with the whole batch would leave the others idle.
      const threads = Math.min(idle.length, same.length);
      const size = Math.ceil(same.length / threads);
      for (let k = 0; k < threads; k++) this.dispatch(idle[k] as ServeThread, head.key, same.slice(k * size, (k + 1) * size));
    }
  }

  private dispatch(thread: ServeThread, key: string, items: Item[]): void {
    if (items.length === 0) return;
    for (const item of items) this.queue.splice(this.queue.indexOf(item), 1);
    void this.run(thread, key, items);
  }

  private async run(thread: ServeThread, key: string, items: Item[]): Promise<void> {
    const id = this.nextId++;
    try {
      const first = items[0] as Item;
      if (first.work.kind === 'adapt') {
        const tasks = items.map((i) => (i.work as Extract<Work, { kind: 'adapt' }>).task);
        const reply = await thread.run({ kind: 'adapt', id, key, tasks });
        if (reply.kind === 'failed') throw new ComputeError(reply.message);
        if (reply.kind !== 'adapted') throw new ComputeError(`compute thread answered ${reply.kind} to adapt`);
        this.options.onComputation?.(items.length, reply.computeMs);
        items.forEach((item, k) => {
          const outcome = reply.outcomes[k];
          if (!outcome) item.reject(new ComputeError('compute thread answered too few outcomes'));
          else if (outcome.ok) item.resolve(outcome.result);
          else item.reject(new InputError(outcome.field, outcome.reason));
        });
      } else {
        const { adapted, x, n } = first.work;
        const reply = await thread.run({ kind: 'predict', id, key, adapted, x, n });
        if (reply.kind === 'failed') throw new ComputeError(reply.message);
        if (reply.kind !== 'predicted') throw new ComputeError(`compute thread answered ${reply.kind} to predict`);
        if (reply.outcome.ok) first.resolve(reply.outcome.result);
        else first.reject(new InputError(reply.outcome.field, reply.outcome.reason));
      }
    } catch (err) {
      const error = err instanceof Error ? err : new ComputeError(String(err));
      for (const item of items) item.reject(error);
    } finally {
      if (!this.closing) this.schedule();
    }
  }

  /** A thread died: its computation has failed; a new one takes its place with every model. */
  private replace(dead: ServeThread, error: Error): void {
    if (this.closing) return;
    this.threads = this.threads.filter((t) => t !== dead);
    this.options.log(`serve: ${error.message}; starting a new compute thread`);
    ServeThread.create(this.options.log, (t, e) => this.replace(t, e)).then(
      (thread) => {
        if (this.closing) return void thread.terminate(new EngineClosedError('closed'));
        for (const [key, loaded] of this.models) thread.load({ kind: 'load', key, loaded });
        this.threads.push(thread);
        this.schedule();
      },
      (err: unknown) => this.options.log(`serve: could not start a new compute thread: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
}
