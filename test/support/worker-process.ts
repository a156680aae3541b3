import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');
const WORKER_MAIN = fileURLToPath(import.meta.resolve('@metatrain/worker/main'));

/** A worker process started as `pnpm start:worker` starts it: `tsx packages/worker/src/main.ts`. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** stderr so far, line by line. */
  readonly lines: string[];
  /** Resolves with the first stderr line matching `pattern` (rejects if the process exits first). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the process group if still running; resolves when it is gone. */
  kill(): Promise<void>;
}

export function startWorkerProcess(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [TSX_CLI, WORKER_MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, METATRAIN_BACKEND: 'wasm', WORKER_THREADS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // A process group of its own: tsx runs the script in a child process, and kill() must
    // reach that one too (SIGTERM is relayed by tsx, SIGKILL cannot be).
    detached: true,
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  child.stderr?.on('data', (data: Buffer) => {
    const parts = (pending + data.toString()).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      if (pending) lines.push(pending);
      pending = '';
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );
  const waitForLine = (pattern: RegExp, timeoutMs = 30_000): Promise<string> =>
    new Promise((resolve, reject) => {
      let done = false;
      const check = (): void => {
        if (done) return;
        const line = lines.find((l) => pattern.test(l));
        const finish = (): void => {
          done = true;
          waiters.delete(check);
          clearTimeout(timer);
        };
        if (line !== undefined) {
          finish();
          resolve(line);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(new Error(`worker exited before printing ${pattern}:\n${lines.join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        done = true;
        waiters.delete(check);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    child,
    lines,
    waitForLine,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}
