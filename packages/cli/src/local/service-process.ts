import { type ChildProcess, spawn } from 'node:child_process';

/** A child process of `metatrain local` (redis-server, the coordinator, a worker). */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The first stderr/stdout line matching the `ready` pattern, once it appeared. */
  readonly ready: Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `command` and waits for a line matching `ready`. Output goes to `log` line by line,
 * prefixed with the name, so a failure of a child is visible in the parent's stderr; the
 * last lines are kept to explain an early exit.
 */
export function startService(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; ready: RegExp; log: (line: string) => void; cwd?: string }): ServiceProcess {
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let resolveReady: (match: RegExpExecArray) => void = () => undefined;
  let rejectReady: (err: Error) => void = () => undefined;
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let isReady = false;
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (!isReady) {
      const match = options.ready.exec(line);
      if (match) {
        isReady = true;
        resolveReady(match);
        return;
      }
    }
    options.log(`[${name}] ${line}`);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.on('data', (data: Buffer) => {
      const lines = (pending + data.toString()).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!isReady) rejectReady(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready:\n${tail.join('\n')}`));
      resolve();
    });
    child.once('error', (err) => {
      rejectReady(new Error(`${name} could not start: ${err.message}`));
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    name,
    child,
    ready,
    stop: (graceMs = 30_000) =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
