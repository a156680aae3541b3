import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCoordinatorOptions, COORDINATOR_ENV_NAMES, coordinatorOptionsFromEnv } from '@metatrain/coordinator';
import { datasetNames } from '@metatrain/core';
import { PREFETCH_ENV, PREFETCH_ENV_NAMES } from '@metatrain/datasets';
import { SERVE_ENV_NAMES } from '@metatrain/serve';
import { compileWorkerOptions, WORKER_ENV_NAMES, workerOptionsFromEnv } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';
import { effective, parseDockerfile, stageEnv } from './support/dockerfile';
import { repositoryFileAt } from './support/image-files';
import { type Container, type PodSpec, RenderedOverlay } from './support/overlay';
import { INFRA, isK8sObject, readYamlDocuments, REPO, type K8sObject } from './support/yaml-files';

// How data reaches jobs in the cluster (docs/DEPLOY.md, "Data"): every pod has a writable cache
// volume at METATRAIN_CACHE_DIR; /data is an empty directory unless components/data-volume puts
// its claim there; components/dataset-prefetch fills the cache in init containers of the pod's
// own image. The overlays as they stand, and with each component added as a user adds it.

const dockerfile = parseDockerfile();
const OVERLAYS = ['cpu', 'gpu'] as const;
const POD_NAME = 'metatrain-worker-7d4b9c6f5-x2x9q';
const packageJson = (pkg: string) => JSON.parse(readFileSync(join(REPO, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };

/** The coordinator and the worker of an overlay: container, options as the code compiles them, image target. */
function pods(overlay: RenderedOverlay, name: string) {
  const coordinator = overlay.container('metatrain-coordinator', 'coordinator');
  const worker = overlay.container('metatrain-worker', 'worker');
  const workerEnv = { ...overlay.env(worker), WORKER_ID: POD_NAME };
  return [
    { deployment: 'metatrain-coordinator', container: coordinator, config: compileCoordinatorOptions(coordinatorOptionsFromEnv(overlay.env(coordinator))), target: 'coordinator' },
    { deployment: 'metatrain-worker', container: worker, config: compileWorkerOptions(workerOptionsFromEnv(workerEnv)), target: name === 'gpu' ? 'worker-gpu' : 'worker' },
  ];
}

describe.each(OVERLAYS)('overlay %s', (name) => {
  const overlay = RenderedOverlay.render(name);

  it('gives the coordinator and the workers a writable cache at METATRAIN_CACHE_DIR: an emptyDir with a size limit, where the image puts it too', () => {
    for (const { deployment, container, config, target } of pods(overlay, name)) {
      expect(container.securityContext?.readOnlyRootFilesystem, deployment).toBe(true); // why the cache needs a volume
      const cache = overlay.mountAt(deployment, container, config.cacheDir);
      expect(cache?.readOnly, deployment).toBe(false);
      expect(cache?.volume.emptyDir?.sizeLimit, deployment).toMatch(/^\d+Gi$/);
      expect(stageEnv(dockerfile, target).METATRAIN_CACHE_DIR, deployment).toBe(config.cacheDir);
    }
  });

  it('leaves /data an empty directory, read-only: no claim, no init container, until a component adds one', () => {
    expect(overlay.ofKind('PersistentVolumeClaim')).toEqual([]);
    for (const { deployment, container, config } of pods(overlay, name)) {
      expect(config.dataDir, deployment).toBe('/data');
      const data = overlay.mountAt(deployment, container, config.dataDir);
      expect(data, deployment).toEqual({ volume: { name: 'data', emptyDir: {} }, readOnly: true });
      expect(overlay.workload('Deployment', deployment).spec.template.spec.initContainers, deployment).toBeUndefined();
    }
  });
});

describe.each(OVERLAYS)('overlay %s + components/data-volume', (name) => {
  const overlay = RenderedOverlay.render(name, ['data-volume']);

  it("mounts one data claim, read-only, where the coordinator and the workers read specs' data, and the loader fills that claim", () => {
    const claim = overlay.get<K8sObject & { spec: { accessModes: string[] } }>('PersistentVolumeClaim', 'metatrain-data');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']); // read on every worker's node, written by the loader
    for (const { deployment, container, config } of pods(overlay, name)) {
      expect(config.dataDir, deployment).toBe('/data');
      // Exactly the claim: base's emptyDir is gone, not left beside it.
      expect(overlay.mountAt(deployment, container, config.dataDir), deployment).toEqual({ volume: { name: 'data', persistentVolumeClaim: { claimName: claim.metadata.name, readOnly: true } }, readOnly: true });
    }
    const [loader] = readYamlDocuments(join(INFRA, 'k8s', 'components', 'data-volume', 'data-loader.yaml')).filter(isK8sObject) as Array<K8sObject & { spec: PodSpec }>;
    expect(loader?.metadata.namespace).toBe(claim.metadata.namespace);
    const loaderMount = loader?.spec.containers[0]?.volumeMounts?.find((m) => m.mountPath === '/data');
    expect(loaderMount?.readOnly).toBeFalsy();
    expect(loader?.spec.volumes?.find((v) => v.name === loaderMount?.name)?.persistentVolumeClaim?.claimName).toBe(claim.metadata.name);
    expect(loader?.spec.securityContext?.runAsUser).toBe(overlay.workload('Deployment', 'metatrain-worker').spec.template.spec.securityContext?.runAsUser); // files readable as the workers' user
  });
});

describe.each(OVERLAYS)('overlay %s + components/dataset-prefetch', (name) => {
  const overlay = RenderedOverlay.render(name, ['dataset-prefetch']);
  const prefetchOf = (deployment: string): Container => overlay.initContainer(deployment, 'prefetch-datasets');

  it("runs the prefetch in an init container of the pod's own image, with a command that image has", () => {
    for (const { deployment, container, target } of pods(overlay, name)) {
      const prefetch = prefetchOf(deployment);
      expect(prefetch.image, deployment).toBe(container.image);
      expect(prefetch.command, deployment).toBeUndefined(); // the image's entrypoint (tini) stays
      const [node, importFlag, tsx, main, ...rest] = prefetch.args ?? [];
      expect([node, importFlag, tsx, rest], deployment).toEqual(['node', '--import', 'tsx', ['fetch']]);
      expect(repositoryFileAt(dockerfile, target, main ?? ''), deployment).toBe(join(REPO, 'packages', 'datasets', 'src', 'main.ts'));
      // `--import tsx` resolves from the working directory, the image's WORKDIR: its package's dependencies.
      expect(prefetch.workingDir, deployment).toBeUndefined();
      const pkg = /^\/app\/packages\/([\w-]+)$/.exec(effective(dockerfile, target, 'WORKDIR')?.args ?? '')?.[1] ?? '';
      expect(packageJson(pkg).dependencies, deployment).toMatchObject({ tsx: expect.any(String), '@metatrain/datasets': 'workspace:*' });
    }
  });

  it('fills the cache the main container reads, looking in the same /data first', () => {
    for (const { deployment, container, config } of pods(overlay, name)) {
      const prefetch = prefetchOf(deployment);
      const env = overlay.env(prefetch);
      expect(env.METATRAIN_CACHE_DIR, deployment).toBe(config.cacheDir);
      expect(env.METATRAIN_DATA_DIR, deployment).toBe(config.dataDir);
      expect(overlay.mountAt(deployment, prefetch, config.cacheDir), deployment).toEqual({ ...overlay.mountAt(deployment, container, config.cacheDir), readOnly: false });
      expect(overlay.mountAt(deployment, prefetch, config.dataDir), deployment).toEqual(overlay.mountAt(deployment, container, config.dataDir));
      expect(overlay.mountAt(deployment, prefetch, '/tmp'), deployment).toEqual(overlay.mountAt(deployment, container, '/tmp')); // tsx's compile cache
    }
  });

  it('takes the dataset names from one ConfigMap key, every name in the catalog', () => {
    const names = overlay.key('ConfigMap', 'metatrain-config', PREFETCH_ENV)?.split(/\s+/).filter(Boolean) ?? [];
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !datasetNames().includes(n))).toEqual([]);
    for (const { deployment } of pods(overlay, name)) {
      const prefetch = prefetchOf(deployment);
      expect(prefetch.env?.find((v) => v.name === PREFETCH_ENV)?.valueFrom, deployment).toEqual({ configMapKeyRef: { name: 'metatrain-config', key: PREFETCH_ENV } });
      expect(Object.keys(overlay.env(prefetch)).filter((v) => !PREFETCH_ENV_NAMES.includes(v)), deployment).toEqual([]);
    }
    const readByCode = new Set([...COORDINATOR_ENV_NAMES, ...WORKER_ENV_NAMES, ...PREFETCH_ENV_NAMES, ...SERVE_ENV_NAMES]);
    expect(Object.keys(overlay.get<K8sObject & { data: object }>('ConfigMap', 'metatrain-config').data).filter((k) => !readByCode.has(k))).toEqual([]);
  });

  it("keeps the pod's security: the main container's read-only root, no privilege escalation, no capabilities", () => {
    for (const { deployment, container } of pods(overlay, name)) {
      expect(prefetchOf(deployment).securityContext, deployment).toEqual(container.securityContext);
      expect(overlay.workload('Deployment', deployment).spec.template.spec.securityContext?.runAsNonRoot, deployment).toBe(true);
    }
  });
});
