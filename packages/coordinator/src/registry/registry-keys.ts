/** The key prefix of the registry when none is configured. */
export const DEFAULT_REGISTRY_PREFIX = 'metatrain:registry';

/** The Redis keys of a registry. */
export interface RegistryKeys {
  /** A string: the record of job `id`, as JSON. */
  job(id: string): string;
  /** A sorted set of job ids, scored by creation time: the listing order. */
  index: string;
  /** A string with a TTL: the owner id of the coordinator that holds the registry. */
  lease: string;
}

/** The keys of the registry under `prefix`. */
export function registryKeys(prefix = DEFAULT_REGISTRY_PREFIX): RegistryKeys {
  return { job: (id) => `${prefix}:job:${id}`, index: `${prefix}:jobs`, lease: `${prefix}:lease` };
}
