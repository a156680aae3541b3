import { DATASET_ENV } from './dataset-options';

/**
 * The datasets to fetch ahead of jobs, space-separated: what `main.ts fetch` fetches when it
 * is given no names. infra/k8s/components/dataset-prefetch sets it from its ConfigMap, for the
 * init containers that fill a pod's cache before the coordinator or the worker starts.
 */
export const PREFETCH_ENV = 'METATRAIN_PREFETCH_DATASETS';

/** Every variable `main.ts fetch` reads: the names, and where datasets are looked for and put. */
export const PREFETCH_ENV_NAMES: readonly string[] = [PREFETCH_ENV, ...Object.values(DATASET_ENV)];

/** The datasets to fetch: the names given, else the words of {@link PREFETCH_ENV}; each once. */
export function prefetchNames(names: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const given = names.length > 0 ? names : (env[PREFETCH_ENV] ?? '').split(/\s+/).filter(Boolean);
  return [...new Set(given)];
}
