import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';
import { BackendError, type BackendInfo, type BackendName, type BlockRange, type ParamSet } from '@metatrain/core';
import type { ShardKind } from '@metatrain/core';
import { ComputeThreadError, WorkerClosedError } from '../errors';
import { type ComputeDone, type ComputeRequest, type SerializedError, type ThreadData, type ThreadReply } from './thread-protocol';

/** Options of {@link ComputeThread.create}. */
export interface ComputeThreadOptions {
  /** Forced backend; undefined picks the fastest available. */
  backend: BackendName | undefined;
  /** Relative dataset paths in specs resolve against it. */
  dataDir: string;
  /** Receives the thread's log lines and crash reports. */
  log: (line: string) => void;
  /** The thread's module (tests substitute one that crashes on demand). @default thread-main.ts */
  entry?: URL;
}

/** One shard for the thread: everything but the parameters, which come apart (ParameterSource). */
export interface ShardTask {
  shardKind: ShardKind;
  jobId: string;
  specText: string;
  /** Local copies of the data the spec names, fetched by the main thread: uploaded with the job (`sha256:<hex>`) and catalog datasets (`dataset:<name>`). */
  files: ReadonlyMap<string, string>;
  /** The parameter version the shard computes from (a train shard's round). */
  version: number;
  /** The shard's blocks, of the round or of its evaluation. */
  blocks: BlockRange;
}

/** A shard's result as the thread computed it. */
export type ComputedShard = Omit<ComputeDone, 'kind' | 'id'>;

const THREAD_MAIN = new URL('./thread-main.ts', import.meta.url);
const BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

/** tsx's ESM API, resolved from here: the thread's module is TypeScript, run from source. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
}

/** Why a thread did not start, as an error of this side: BackendError keeps its class. */
function initError(error: SerializedError): Error {
  if (error.name === 'BackendError') return new BackendError(error.message);
  return new ComputeThreadError(`compute thread failed to start: ${error.name}: ${error.message}`);
}

interface Pending {
  resolve: (reply: ThreadReply) => void;
  reject: (error: Error) => void;
}

/** One running thread and the request it is working on. */
class ThreadHandle {
  readonly ready: Promise<BackendInfo>;
  private pending: Pending | undefined;
  private ended = false;
  /** Whether the thread reported ready: only a thread that started is worth replacing at once. */
  started = false;

  constructor(
    readonly thread: NodeWorker,
    log: (line: string) => void,
    onExit: (handle: ThreadHandle, error: Error) => void,
  ) {
    let settleReady: { resolve: (b: BackendInfo) => void; reject: (e: Error) => void } | undefined;
    this.ready = new Promise((resolve, reject) => (settleReady = { resolve, reject }));
    this.ready.catch(() => undefined); // observed by whoever awaits it; no unhandled rejection
    thread.on('message', (reply: ThreadReply) => {
      if (reply.kind === 'log') log(reply.line);
      else if (reply.kind === 'ready') {
        this.started = true;
        settleReady?.resolve(reply.backend);
      }
      else if (reply.kind === 'init-failed') settleReady?.reject(initError(reply.error));
      else {
        const pending = this.pending;
        this.pending = undefined;
        pending?.resolve(reply);
      }
    });
    const end = (error: Error): void => {
      if (this.ended) return;
      this.ended = true;
      settleReady?.reject(error);
      this.pending?.reject(error);
      this.pending = undefined;
      onExit(this, error);
    };
    thread.on('error', (error) => end(new ComputeThreadError(`compute thread crashed: ${error.message}`)));
    thread.on('exit', (code) => end(new ComputeThreadError(`compute thread exited (code ${code})`)));
  }

  get alive(): boolean {
    return !this.ended;
  }

  request(request: ComputeRequest): Promise<ThreadReply> {
    if (this.ended) return Promise.reject(new ComputeThreadError('compute thread is not running'));
    if (this.pending) return Promise.reject(new Error('compute thread is busy: one shard at a time'));
    // Nothing transferred: the parameters are shared memory (ParameterSource), which a
    // structured clone shares; any other array would be copied, never detached here.
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.thread.postMessage(request);
    });
  }

  /** Stops the thread; the pending request (if any) fails with `error`. */
  async terminate(error: Error): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.pending?.reject(error);
      this.pending = undefined;
    }
    await this.thread.terminate();
  }
}

/**
 * One of the worker's compute threads (node:worker_threads; ComputePool holds N). The thread
 * selects the backend, keeps compute contexts, and computes one shard at a time from the
 * parameters it is given (shared memory); block sums come back as transferred buffers. A
 * thread that crashes fails the shard it held and is replaced by a new one. `close()`
 * terminates it; idempotent.
 */
export class ComputeThread {
  private current: ThreadHandle;
  private closing: Promise<void> | undefined;
  private nextId = 1;

  private constructor(
    private readonly options: ComputeThreadOptions,
    first: ThreadHandle,
    private backendInfo: BackendInfo,
  ) {
    this.current = first;
  }

  /**
   * Starts the thread and waits until its backend is up.
   * @throws the thread's backend error (BackendError for a forced backend that cannot be
   *   used), or ComputeThreadError when the thread dies while starting.
   */
  static async create(options: ComputeThreadOptions): Promise<ComputeThread> {
    let self: ComputeThread | undefined;
    const handle = spawn(options, (h, error) => self?.onExit(h, error));
    try {
      const backend = await handle.ready;
      self = new ComputeThread(options, handle, backend);
      return self;
    } catch (error) {
      await handle.terminate(new WorkerClosedError('compute thread failed to start')).catch(() => undefined);
      throw error;
    }
  }

  /** The backend the thread computes on. */
  get backend(): BackendInfo {
    return this.backendInfo;
  }

  /**
   * Computes one shard from `params` (θ at `task.version`). `signal` stops it in the middle:
   * a synchronous computation cannot be interrupted otherwise, so the thread is terminated and
   * the next compute starts a new one.
   * @throws ComputeThreadError when the thread fails the shard or dies (a new one is started),
   *   WorkerClosedError after close() or once `signal` aborted.
   */
  async compute(task: ShardTask, params: ParamSet, signal?: AbortSignal): Promise<ComputedShard> {
    if (signal?.aborted) throw new WorkerClosedError(abortReason(signal));
    const handle = await this.thread();
    const onAbort = (): void => void handle.terminate(new WorkerClosedError(abortReason(signal)));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw new WorkerClosedError(abortReason(signal));
      const reply = await handle.request({ kind: 'compute', id: this.nextId++, ...task, params });
      if (reply.kind === 'computed') return { sums: reply.sums, metrics: reply.metrics, computeMs: reply.computeMs };
      if (reply.kind === 'failed') throw new ComputeThreadError(`${reply.error.name}: ${reply.error.message}`);
      throw new ComputeThreadError(`compute thread answered ${reply.kind} to a compute request`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Terminates the thread; idempotent. A compute in progress fails with WorkerClosedError. */
  close(): Promise<void> {
    return (this.closing ??= this.current.terminate(new WorkerClosedError('the compute thread was closed')).then(() => undefined));
  }

  /** The running thread, replacing a dead one first. */
  private async thread(): Promise<ThreadHandle> {
    if (this.closing) throw new WorkerClosedError('the compute thread was closed');
    if (!this.current.alive) this.current = spawn(this.options, (h, error) => this.onExit(h, error));
    this.backendInfo = await this.current.ready;
    return this.current;
  }

  private onExit(handle: ThreadHandle, error: Error): void {
    if (this.closing || handle !== this.current) return;
    this.options.log(`worker: ${error.message}; starting a new compute thread`);
    // A thread that never started is not replaced here (that could loop); compute() retries it.
    if (handle.started) this.current = spawn(this.options, (h, e) => this.onExit(h, e));
  }
}

/** What an aborted signal says, as the reason of WorkerClosedError. */
function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'the shard was aborted';
}

function spawn(options: ComputeThreadOptions, onExit: (handle: ThreadHandle, error: Error) => void): ThreadHandle {
  const entry = options.entry ?? THREAD_MAIN;
  const data: ThreadData = {
    entry: entry.href,
    tsx: entry.pathname.endsWith('.ts') ? tsxApiUrl() : undefined,
    dataDir: options.dataDir,
  };
  // No execArgv of the parent: its loader flags do not work in a thread on Node 20, and the
  // bootstrap brings what the thread needs. The backend travels as METATRAIN_BACKEND so that
  // selectBackend's messages name the setting users know.
  const env = { ...process.env, METATRAIN_BACKEND: options.backend ?? '' };
  const thread = new NodeWorker(BOOTSTRAP, { workerData: data, execArgv: [], env });
  return new ThreadHandle(thread, options.log, onExit);
}
