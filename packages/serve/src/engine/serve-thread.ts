import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';
import { ComputeError } from '../errors';
import type { FromThread, ServeThreadData, ToThread } from './thread-protocol';

const THREAD_MAIN = new URL('./thread-main.ts', import.meta.url);
const BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

/** tsx's ESM API, resolved from here: the thread's module is TypeScript, run from source. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
}

type Reply = Extract<FromThread, { id: number }>;

/**
 * One compute thread of the engine: sends it work, one computation at a time, and hands its
 * reply (or its death) back. `create()` waits until its backend is up.
 */
export class ServeThread {
  private pending: { id: number; resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  private ended = false;

  private constructor(
    private readonly thread: NodeWorker,
    readonly backend: string,
    private readonly onExit: (thread: ServeThread, error: Error) => void,
  ) {}

  /** Starts a thread; rejects when its backend cannot start. */
  static create(log: (line: string) => void, onExit: (thread: ServeThread, error: Error) => void): Promise<ServeThread> {
    const data: ServeThreadData = { entry: THREAD_MAIN.href, tsx: tsxApiUrl() };
    const worker = new NodeWorker(BOOTSTRAP, { workerData: data, execArgv: [], env: process.env });
    return new Promise((resolve, reject) => {
      let self: ServeThread | undefined;
      const end = (error: Error) => {
        if (!self) return reject(error);
        if (self.ended) return;
        self.ended = true;
        self.pending?.reject(error);
        self.pending = undefined;
        self.onExit(self, error);
      };
      worker.on('message', (message: FromThread) => {
        if (message.kind === 'log') log(message.line);
        else if (message.kind === 'ready') resolve((self = new ServeThread(worker, message.backend, onExit)));
        else if (message.kind === 'init-failed') {
          reject(new ComputeError(`compute thread failed to start: ${message.message}`));
          void worker.terminate();
        } else if (self?.pending?.id === message.id) {
          const pending = self.pending;
          self.pending = undefined;
          pending.resolve(message);
        }
      });
      worker.on('error', (error) => end(new ComputeError(`compute thread crashed: ${error.message}`)));
      worker.on('exit', (code) => end(new ComputeError(`compute thread exited (code ${code})`)));
    });
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  get alive(): boolean {
    return !this.ended;
  }

  /** Sends a model, or drops one; messages keep their order, so work sent after a load finds it and work sent before an unload still has it. */
  load(message: Extract<ToThread, { kind: 'load' | 'unload' }>): void {
    if (!this.ended) this.thread.postMessage(message);
  }

  /** Runs one computation; rejects with ComputeError if the thread dies meanwhile. */
  run(message: Extract<ToThread, { id: number }>): Promise<Reply> {
    if (this.ended) return Promise.reject(new ComputeError('compute thread is not running'));
    if (this.pending) return Promise.reject(new Error('compute thread is busy: one computation at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { id: message.id, resolve, reject };
      this.thread.postMessage(message);
    });
  }

  /** Stops the thread; a computation in progress fails with `error`. */
  async terminate(error: Error): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.pending?.reject(error);
      this.pending = undefined;
    }
    await this.thread.terminate();
  }
}
