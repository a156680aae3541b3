import { BACKEND_NAMES, type BackendName, type ResourcesSpec, SpecError } from '@metatrain/core';

/** What decides a job's backend; see {@link chooseBackend}. */
export interface BackendSources {
  /** The job's `resources`. */
  resources: ResourcesSpec;
  /** The backend recorded with the job, once chosen: it never changes. */
  recorded: BackendName | undefined;
  /** The coordinator's METATRAIN_DEFAULT_BACKEND. */
  defaultBackend: BackendName | undefined;
  /** The distinct backends of the active workers of the job's pool. */
  workerBackends: readonly string[];
}

/**
 * The one compute backend of a job — every shard of it is computed there, since shards of
 * two backends would differ in the last bits: the one recorded with the job; else
 * `resources.backend`; else the coordinator's default; else the backend of the pool's
 * active workers when they all run one. Undefined while no worker of the pool is there (the
 * job waits for one, as its shards would).
 * @throws {SpecError} naming `resources.backend` when the pool's workers run several backends.
 */
export function chooseBackend(sources: BackendSources): BackendName | undefined {
  const { resources, recorded, defaultBackend, workerBackends } = sources;
  const chosen = recorded ?? resources.backend ?? defaultBackend;
  if (chosen !== undefined) return chosen;
  const known = workerBackends.filter((b): b is BackendName => (BACKEND_NAMES as readonly string[]).includes(b));
  if (known.length > 1) {
    throw new SpecError('resources.backend', `the workers of pool ${JSON.stringify(resources.pool)} run ${known.join(' and ')}, and a job never mixes backends: name one (${BACKEND_NAMES.join(', ')})`);
  }
  return known[0];
}
