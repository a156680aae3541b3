import { compileCoordinatorOptions, COORDINATOR_ENV_NAMES, coordinatorOptionsFromEnv } from '@metatrain/coordinator';
import { parseStorageConfig } from '@metatrain/storage';
import { SERVE_ENV_NAMES } from '@metatrain/serve';
import { compileWorkerOptions, WORKER_ENV_NAMES, workerOptionsFromEnv } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { imageTitle, parseDockerfile } from './support/dockerfile';
import { containersOf, splitImage } from './support/kustomize';
import { RenderedOverlay, selects, type ServiceSpec } from './support/overlay';
import { INFRA, isK8sObject, readYamlDocuments, yamlFilesUnder, type K8sObject } from './support/yaml-files';

// What the rendered overlays say must agree with itself and with the code: selectors and
// labels, ports and the servers' defaults, variables and what the code reads, images and the
// Dockerfile, grace periods and the worker's shutdown.

const dockerfile = parseDockerfile();
const POD_NAME = 'metatrain-worker-7d4b9c6f5-x2x9q';
type Service = K8sObject & { spec: ServiceSpec };
interface MonitorEndpoint {
  port: string;
  path: string;
  authorization: unknown;
}

describe.each(['cpu', 'gpu'])('overlay %s', (name) => {
  const overlay = RenderedOverlay.render(name);
  const coordinator = overlay.container('metatrain-coordinator', 'coordinator');
  const worker = overlay.container('metatrain-worker', 'worker');
  const coordinatorEnv = overlay.env(coordinator);
  const workerEnv = Object.fromEntries(Object.entries(overlay.env(worker)).map(([k, v]) => [k, v === '<fieldRef:metadata.name>' ? POD_NAME : v]));
  const coordinatorConfig = compileCoordinatorOptions(coordinatorOptionsFromEnv(coordinatorEnv));
  const workerConfig = compileWorkerOptions(workerOptionsFromEnv(workerEnv));
  const service = (n: string) => overlay.get<Service>('Service', n);
  const port = (s: Service, portName: string) => s.spec.ports?.find((p) => p.name === portName);

  it('gives each workload a selector that matches its own pods and no other workload', () => {
    for (const w of overlay.workloads()) {
      expect(selects(w.spec.selector.matchLabels, w.spec.template.metadata?.labels), w.metadata.name).toBe(true);
      for (const other of overlay.workloads().filter((o) => o !== w)) {
        expect(selects(w.spec.selector.matchLabels, other.spec.template.metadata?.labels), `${w.metadata.name} selects ${other.metadata.name}`).toBe(false);
      }
    }
  });

  it('points every Service at the named ports of exactly one workload', () => {
    for (const s of overlay.ofKind<Service>('Service')) {
      const targets = overlay.workloads().filter((w) => selects(s.spec.selector, w.spec.template.metadata?.labels));
      expect(targets.map((t) => t.metadata.name), s.metadata.name).toHaveLength(1);
      const containerPorts = containersOf(targets[0] as K8sObject).flatMap((c) => (c.ports as Array<{ name?: string; containerPort: number }> | undefined) ?? []);
      for (const p of s.spec.ports ?? []) {
        const target = p.targetPort ?? p.port;
        expect(containerPorts.some((c) => c.name === target || c.containerPort === target), `${s.metadata.name} port ${p.name}`).toBe(true);
      }
    }
    for (const set of overlay.workloads().filter((w) => w.kind === 'StatefulSet')) {
      const governing = service((set.spec as unknown as { serviceName: string }).serviceName);
      expect(selects(governing.spec.selector, set.spec.template.metadata?.labels)).toBe(true);
    }
  });

  it('aims the PodDisruptionBudget and the ScaledObject at the worker Deployment', () => {
    const workerPods = overlay.workload('Deployment', 'metatrain-worker').spec.template.metadata?.labels;
    const [pdb] = overlay.ofKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    expect(selects(pdb?.spec.selector.matchLabels, workerPods)).toBe(true);
    const scaled = overlay.get<K8sObject & { spec: { scaleTargetRef: { name: string; kind?: string }; triggers: Array<{ authenticationRef?: { name: string } }> } }>('ScaledObject', 'metatrain-worker');
    expect(scaled.spec.scaleTargetRef).toEqual({ name: 'metatrain-worker' }); // kind defaults to Deployment
    for (const trigger of scaled.spec.triggers) expect(() => overlay.get('TriggerAuthentication', trigger.authenticationRef?.name ?? '')).not.toThrow();
    // KEDA sets the replica count: a fixed one would be reset by every apply.
    expect(overlay.workload('Deployment', 'metatrain-worker').spec).not.toHaveProperty('replicas');
  });

  it('puts every namespaced object in one namespace, which exists', () => {
    const namespaces = new Set(overlay.objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual(['metatrain']);
    expect(overlay.ofKind('Namespace').map((n) => n.metadata.name)).toEqual(['metatrain']);
  });

  it('opens the ports the coordinator listens on and probes grpc.health.v1 there', () => {
    expect(coordinatorConfig.grpcPort).toBe(compileCoordinatorOptions({}).grpcPort); // the defaults, spelt out
    expect(coordinatorConfig.httpPort).toBe(compileCoordinatorOptions({}).httpPort);
    const ports = Object.fromEntries((coordinator.ports ?? []).map((p) => [p.name, p.containerPort]));
    expect(ports).toEqual({ grpc: coordinatorConfig.grpcPort, http: coordinatorConfig.httpPort });
    for (const probe of [coordinator.startupProbe, coordinator.readinessProbe, coordinator.livenessProbe]) {
      expect(probe?.grpc?.port).toBe(coordinatorConfig.grpcPort);
      expect(probe?.grpc?.service ?? '').toBe(''); // '' is the server as a whole (health-service.ts)
    }
    const annotations = overlay.workload('Deployment', 'metatrain-coordinator').spec.template.metadata as { annotations?: Record<string, string> };
    expect(annotations.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(coordinatorConfig.httpPort), 'prometheus.io/path': '/metrics' });
    const svc = service('metatrain-coordinator');
    expect(port(svc, 'grpc')).toMatchObject({ port: coordinatorConfig.grpcPort, targetPort: 'grpc' });
    expect(port(svc, 'http')).toMatchObject({ port: coordinatorConfig.httpPort, targetPort: 'http' });
  });

  it('opens the port the workers serve HTTP on, and probes and scrapes it there', () => {
    expect(workerConfig.httpPort).toBeGreaterThan(0);
    expect(worker.ports).toEqual([{ name: 'http', containerPort: workerConfig.httpPort }]);
    expect(worker.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(worker.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(worker.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // Liveness only counts once startup succeeded; startup must outlast the image's own start.
    const startup = worker.startupProbe ?? {};
    expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(60);
    const annotations = overlay.workload('Deployment', 'metatrain-worker').spec.template.metadata as { annotations?: Record<string, string> };
    expect(annotations.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(workerConfig.httpPort), 'prometheus.io/path': '/metrics' });
  });

  it('aims the ServiceMonitor at the coordinator Service and the PodMonitor at the worker pods, with the token', () => {
    const monitors = yamlFilesUnder(join(INFRA, 'k8s', 'components', 'service-monitor'))
      .flatMap((f) => readYamlDocuments(f))
      .filter(isK8sObject) as Array<K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints?: MonitorEndpoint[]; podMetricsEndpoints?: MonitorEndpoint[] } }>;
    const serviceMonitor = monitors.find((m) => m.kind === 'ServiceMonitor');
    const podMonitor = monitors.find((m) => m.kind === 'PodMonitor');
    const svc = service('metatrain-coordinator');
    expect(selects(serviceMonitor?.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    expect(serviceMonitor?.spec.endpoints?.map((e) => port(svc, e.port)?.port)).toEqual([coordinatorConfig.httpPort]);
    expect(selects(podMonitor?.spec.selector.matchLabels, overlay.workload('Deployment', 'metatrain-worker').spec.template.metadata?.labels)).toBe(true);
    expect(selects(podMonitor?.spec.selector.matchLabels, overlay.workload('Deployment', 'metatrain-coordinator').spec.template.metadata?.labels)).toBe(false);
    expect(podMonitor?.spec.podMetricsEndpoints?.map((e) => worker.ports?.find((p) => p.name === e.port)?.containerPort)).toEqual([workerConfig.httpPort]);
    const secret = overlay.get<K8sObject & { stringData?: Record<string, string> }>('Secret', 'metatrain-secrets');
    for (const endpoint of [...(serviceMonitor?.spec.endpoints ?? []), ...(podMonitor?.spec.podMetricsEndpoints ?? [])]) {
      expect(endpoint.path).toBe('/metrics');
      expect(endpoint.authorization).toEqual({ type: 'Bearer', credentials: { name: secret.metadata.name, key: 'METATRAIN_TOKEN' } });
      expect(secret.stringData).toHaveProperty('METATRAIN_TOKEN');
    }
  });

  it('connects the workers and the coordinator to the Services that are there', () => {
    const [host, addrPort] = workerConfig.coordinatorAddress.split(':');
    expect(host).toBe('metatrain-coordinator');
    expect(Number(addrPort)).toBe(port(service('metatrain-coordinator'), 'grpc')?.port);
    for (const url of [coordinatorConfig.redisUrl, workerConfig.redisUrl]) {
      const redis = new URL(url);
      expect(redis.hostname).toBe('metatrain-redis');
      expect(Number(redis.port)).toBe(port(service('metatrain-redis'), 'redis')?.port);
    }
    const storage = parseStorageConfig(coordinatorConfig.storage, '/unused');
    if (storage.kind !== 's3') throw new Error(`expected s3 storage, got ${storage.kind}`);
    const s3 = new URL(storage.options.endPoint);
    expect(s3.hostname).toBe('metatrain-minio');
    expect(Number(s3.port)).toBe(port(service('metatrain-minio'), 's3')?.port);
    // MinIO's root credentials are the coordinator's keys.
    const minio = overlay.env(overlay.workload('StatefulSet', 'metatrain-minio').spec.template.spec.containers[0]!);
    expect([minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD]).toEqual([storage.options.accessKey, storage.options.secretKey]);
  });

  it('gives the containers only variables the code reads, and Secret keys named after them', () => {
    expect(Object.keys(coordinatorEnv).filter((v) => !COORDINATOR_ENV_NAMES.includes(v))).toEqual([]);
    expect(Object.keys(workerEnv).filter((v) => !WORKER_ENV_NAMES.includes(v))).toEqual([]);
    const serve = overlay.container('metatrain-serve', 'serve');
    expect((serve.env ?? []).map((v) => v.name).filter((v) => !SERVE_ENV_NAMES.includes(v))).toEqual([]);
    // REDIS_PASSWORD is the in-cluster Redis's (components/redis); the code reads it inside REDIS_URL.
    const readByCode = new Set([...COORDINATOR_ENV_NAMES, ...WORKER_ENV_NAMES, ...SERVE_ENV_NAMES, 'REDIS_PASSWORD']);
    for (const kind of ['Secret', 'ConfigMap'] as const) {
      for (const o of overlay.ofKind<K8sObject & { data?: object; stringData?: object }>(kind)) {
        const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})];
        expect(keys.filter((k) => !readByCode.has(k)), `${kind} ${o.metadata.name}`).toEqual([]);
      }
    }
    for (const c of [coordinator, worker, serve]) {
      for (const v of c.env ?? []) {
        const ref = v.valueFrom?.secretKeyRef ?? v.valueFrom?.configMapKeyRef;
        if (ref) expect(ref.key, `${c.name} ${v.name}`).toBe(v.name);
      }
    }
    expect(coordinatorConfig.token).toBeDefined();
    expect(workerConfig.token).toBe(coordinatorConfig.token);
    expect(workerConfig.workerId).toBe(POD_NAME);
  });

  it('has the coordinator and the workers share one queue', () => {
    expect([workerConfig.queuePrefix, workerConfig.queueName]).toEqual([coordinatorConfig.queuePrefix, coordinatorConfig.queueName]);
  });

  it('runs the images the Dockerfile builds', () => {
    const image = (c: { image?: string }) => splitImage(c.image ?? '')[0].split('/').at(-1);
    expect(image(coordinator)).toBe(imageTitle(dockerfile, 'coordinator'));
    expect(image(worker)).toBe(imageTitle(dockerfile, name === 'gpu' ? 'worker-gpu' : 'worker'));
  });

  it('lets a worker finish or hand back its shard before the kill, and the coordinator checkpoint', () => {
    const workerPod = overlay.workload('Deployment', 'metatrain-worker').spec.template.spec;
    // The shard's grace, then handing it back and closing connections (seconds, not ms).
    expect((workerPod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(workerConfig.shutdownGraceMs + 10_000);
    expect(workerConfig.shutdownGraceMs).toBeGreaterThan(compileWorkerOptions({}).shutdownGraceMs); // sized up from the default for longer shards
    const coordinatorPod = overlay.workload('Deployment', 'metatrain-coordinator');
    expect(coordinatorPod.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expect(coordinatorPod.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
  });

  it(name === 'gpu' ? 'asks for one NVIDIA GPU per worker and tolerates GPU nodes' : 'asks for no GPU', () => {
    const pod = overlay.workload('Deployment', 'metatrain-worker').spec.template.spec;
    const gpus = worker.resources?.limits?.['nvidia.com/gpu'];
    if (name === 'gpu') {
      expect(Number(gpus)).toBe(1);
      expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    } else {
      expect(gpus).toBeUndefined();
    }
  });

  it('keeps Redis on a volume with AOF and noeviction, below its memory limit', () => {
    const redisSet = overlay.workload('StatefulSet', 'metatrain-redis');
    const redis = redisSet.spec.template.spec.containers[0]!;
    const args = (redis.args ?? []).join(' ');
    expect(args).toMatch(/--appendonly yes/);
    expect(args).toMatch(/--maxmemory-policy noeviction/);
    const maxMb = Number(/--maxmemory (\d+)mb/.exec(args)?.[1]);
    const limitGi = Number(/^(\d+)Gi$/.exec(String(redis.resources?.limits?.memory))?.[1]);
    expect(maxMb).toBeGreaterThan(0);
    expect(maxMb).toBeLessThan(limitGi * 1024);
    for (const set of [redisSet, overlay.workload('StatefulSet', 'metatrain-minio')]) {
      const claims = (set.spec as unknown as { volumeClaimTemplates: Array<{ metadata: { name: string } }> }).volumeClaimTemplates.map((c) => c.metadata.name);
      const mounts = set.spec.template.spec.containers[0]?.volumeMounts?.map((m) => m.name);
      expect(mounts).toContain(claims[0]);
    }
  });
});
