import { randomUUID } from 'node:crypto';
import { BACKEND_ENV, type ResourcesSpec } from '@metatrain/core';
import { fileURLToPath } from 'node:url';
import { startLocalRedis } from './local-redis';
import { type ServiceProcess, startService } from './service-process';

// `local` starts the coordinator and workers as processes from their sources (through tsx,
// as `pnpm start:coordinator` does). It imports neither package: it resolves their process
// entries (the `./main` exports), so that only the processes it starts load them.
const COORDINATOR_MAIN = fileURLToPath(import.meta.resolve('@metatrain/coordinator/main'));
const WORKER_MAIN = fileURLToPath(import.meta.resolve('@metatrain/worker/main'));
// tsx by URL: `--import tsx` would resolve from the user's working directory, outside the repo.
const TSX = import.meta.resolve('tsx');

export interface LocalClusterOptions {
  workers: number;
  /** Compute threads of each worker (WORKER_THREADS). */
  threads: number;
  /** STORAGE_URL of the coordinator (`file:///…` for a directory). */
  storageUrl: string;
  /** The job's `resources`: the workers join its pool, on its backend when it names one. */
  resources: ResourcesSpec;
  log: (line: string) => void;
}

/** A coordinator and N workers of `threads` compute threads each on this machine, with a private Redis unless REDIS_URL is set. */
export interface LocalCluster {
  /** host:port of the coordinator's gRPC server. */
  readonly coordinator: string;
  /** URL of the coordinator's dashboard. */
  readonly dashboard: string;
  close(): Promise<void>;
}

/** Starts the cluster and waits until the coordinator and every worker said they are ready. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const { log } = options;
  const services: ServiceProcess[] = [];
  const redis = process.env.REDIS_URL ? undefined : await startLocalRedis();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Workers first, so none is left waiting on a coordinator that went away.
      await Promise.all(services.filter((s) => s.name !== 'coordinator').map((s) => s.stop()));
      await Promise.all(services.filter((s) => s.name === 'coordinator').map((s) => s.stop()));
      await redis?.close();
    })());
  try {
    // A prefix of its own, so a shared REDIS_URL never mixes this run with a cluster's jobs.
    // Plaintext on 127.0.0.1: TLS variables meant for a real cluster would only break the link.
    // Text logs: their ready lines are read here, and the user reads the rest.
    const env: NodeJS.ProcessEnv = {
      ...withoutTls(process.env),
      REDIS_URL: process.env.REDIS_URL ?? redis?.url,
      METATRAIN_QUEUE_PREFIX: `metatrain-local-${randomUUID().slice(0, 8)}`,
      LOG_FORMAT: 'text',
    };
    const node = (main: string) => ['--import', TSX, main];
    const coordinator = startService('coordinator', process.execPath, node(COORDINATOR_MAIN), {
      env: { ...env, GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1', STORAGE_URL: options.storageUrl },
      ready: /^coordinator ready: grpc (\S+) http (\S+)/,
      log,
    });
    services.push(coordinator);
    const ready = await coordinator.ready;
    const address = ready[1] ?? '';
    for (let i = 0; i < options.workers; i++) {
      services.push(
        startService(`worker-${i + 1}`, process.execPath, node(WORKER_MAIN), {
          env: { ...env, COORDINATOR_ADDR: address, WORKER_ID: `local-${i + 1}`, WORKER_THREADS: String(options.threads), ...poolEnv(options.resources) },
          ready: /^worker ready: /,
          log,
        }),
      );
    }
    await Promise.all(services.map((s) => s.ready));
    return { coordinator: address, dashboard: `http://${ready[2] ?? ''}/dashboard/`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The workers' pool and, when the job names one, backend (else METATRAIN_BACKEND as inherited, or the fastest). */
function poolEnv(resources: ResourcesSpec): NodeJS.ProcessEnv {
  return { WORKER_POOL: resources.pool, ...(resources.backend !== undefined ? { [BACKEND_ENV]: resources.backend } : {}) };
}

const TLS_VARIABLES = ['GRPC_TLS_CERT', 'GRPC_TLS_KEY', 'GRPC_TLS_CLIENT_CA', 'METATRAIN_TLS', 'METATRAIN_TLS_CA', 'WORKER_TLS_CERT', 'WORKER_TLS_KEY'];

function withoutTls(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !TLS_VARIABLES.includes(name)));
}
