import { fileURLToPath } from 'node:url';
import { type ServiceProcess, startService } from '@metatrain/cli';

const COORDINATOR_MAIN = fileURLToPath(import.meta.resolve('@metatrain/coordinator/main'));
const WORKER_MAIN = fileURLToPath(import.meta.resolve('@metatrain/worker/main'));
// By URL, so that a process started in another directory (cwd) finds it too.
const TSX = import.meta.resolve('tsx');

/** A coordinator process on free ports of 127.0.0.1; `grpc` and `http` are its addresses. */
export interface CoordinatorProcess extends ServiceProcess {
  grpc: string;
  http: string;
  /** Everything it printed, for assertions and failure messages. */
  output: string[];
}

/**
 * Starts `pnpm start:coordinator` as a separate OS process with `env` added to ours (in `cwd`,
 * else ours); its lines go to `output` as they come (so a test sees what it says while it waits
 * for something).
 */
export async function startCoordinatorProcess(env: NodeJS.ProcessEnv, output: string[] = [], cwd?: string): Promise<CoordinatorProcess> {
  const service = startService('coordinator', process.execPath, ['--import', TSX, COORDINATOR_MAIN], {
    env: { ...process.env, GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1', ...env },
    ...(cwd ? { cwd } : {}),
    ready: /^coordinator ready: grpc (\S+) http (\S+)/,
    log: (line) => output.push(line),
  });
  const match = await service.ready;
  return Object.assign(service, { grpc: match[1] ?? '', http: match[2] ?? '', output });
}

/**
 * Starts a coordinator process that is expected not to get ready (wrong credentials, say) and
 * resolves with the first output line matching `line`; stop the process when done.
 */
export async function startCoordinatorUntil(env: NodeJS.ProcessEnv, line: RegExp): Promise<{ service: ServiceProcess; line: string; output: string[] }> {
  const output: string[] = [];
  const service = startService('coordinator', process.execPath, ['--import', TSX, COORDINATOR_MAIN], {
    env: { ...process.env, GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1', ...env },
    ready: line,
    log: (l) => output.push(l),
  });
  const match = await service.ready;
  return { service, line: match.input, output };
}

/**
 * Starts `pnpm start:worker` as a separate OS process, waiting for its ready line. One compute
 * thread unless `env` says WORKER_THREADS: a test counts shards per worker.
 */
export async function startWorkerProcess(env: NodeJS.ProcessEnv, output: string[] = [], cwd?: string): Promise<ServiceProcess> {
  const service = startService(`worker ${env.WORKER_ID ?? ''}`, process.execPath, ['--import', TSX, WORKER_MAIN], {
    env: { ...process.env, WORKER_THREADS: '1', ...env },
    ...(cwd ? { cwd } : {}),
    ready: /^worker ready: /,
    log: (line) => output.push(line),
  });
  await service.ready;
  return service;
}
