import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coordinatorOptionsFromEnv } from '@metatrain/coordinator';
import { workerOptionsFromEnv } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';
import { OPT_IN_COMPONENTS, RenderedOverlay, selects } from './support/overlay';
import { REPO, type K8sObject } from './support/yaml-files';

// Secure defaults of the rendered overlays (docs/SECURITY.md, "Kubernetes"): pods without API
// credentials, NetworkPolicies that let only what must reach Redis, gRPC and HTTP, Redis
// behind a password, and instance and version labels on everything, in every selector.

const INSTANCE = 'app.kubernetes.io/instance';
const VERSION = 'app.kubernetes.io/version';
const RELEASE = (JSON.parse(readFileSync(join(REPO, 'packages', 'coordinator', 'package.json'), 'utf8')) as { version: string }).version;

type Labels = Record<string, string>;
type PolicyPeer = { podSelector?: { matchLabels?: Labels }; namespaceSelector?: object };
type NetworkPolicy = K8sObject & {
  spec: { podSelector: { matchLabels?: Labels }; policyTypes?: string[]; ingress?: Array<{ from?: PolicyPeer[]; ports?: Array<{ port?: string | number }> }> };
};

describe.each(['cpu', 'gpu'])('overlay %s', (name) => {
  const overlay = RenderedOverlay.render(name);
  const podLabels = (kind: 'Deployment' | 'StatefulSet', workload: string) => overlay.workload(kind, workload).spec.template.metadata?.labels;
  const pods = {
    coordinator: podLabels('Deployment', 'metatrain-coordinator'),
    worker: podLabels('Deployment', 'metatrain-worker'),
    serve: podLabels('Deployment', 'metatrain-serve'),
    redis: podLabels('StatefulSet', 'metatrain-redis'),
    minio: podLabels('StatefulSet', 'metatrain-minio'),
    // The gpu overlay's second pool of workers (CPU, wasm) beside the GPU ones.
    ...(name === 'gpu' ? { 'worker-cpu': podLabels('Deployment', 'metatrain-worker-cpu') } : {}),
  };
  const workers = name === 'gpu' ? ['worker', 'worker-cpu'] : ['worker'];
  const policyOf = (labels: Labels | undefined) => overlay.ofKind<NetworkPolicy>('NetworkPolicy').filter((p) => selects(p.spec.podSelector.matchLabels, labels));
  /** Which of `pods` may open `port` of the pods with `target` labels: a peer without a podSelector admits any pod. */
  const admitted = (target: Labels | undefined, port: string) =>
    Object.entries(pods)
      .filter(([, labels]) =>
        policyOf(target).some((p) => (p.spec.ingress ?? []).some((rule) => (rule.ports ?? []).some((q) => q.port === port) && (rule.from ?? [{}]).some((peer) => peer.podSelector === undefined || selects(peer.podSelector.matchLabels, labels)))),
      )
      .map(([pod]) => pod)
      .sort();

  it('runs every pod as a ServiceAccount without an API token', () => {
    for (const workload of overlay.workloads()) {
      const pod = workload.spec.template.spec;
      expect(pod.automountServiceAccountToken, workload.metadata.name).toBe(false);
      const account = overlay.get<K8sObject & { automountServiceAccountToken?: boolean }>('ServiceAccount', pod.serviceAccountName ?? '(none)');
      expect(account.automountServiceAccountToken, workload.metadata.name).toBe(false);
    }
  });

  it('puts every pod under an ingress NetworkPolicy', () => {
    for (const [pod, labels] of Object.entries(pods)) {
      const policies = policyOf(labels);
      expect(policies.length, pod).toBe(1);
      expect(policies[0]?.spec.policyTypes, pod).toEqual(['Ingress']);
    }
  });

  it('lets only the coordinator and the workers reach Redis, only the workers the coordinator\'s gRPC', () => {
    expect(admitted(pods.redis, 'redis')).toEqual(['coordinator', ...workers]);
    expect(admitted(pods.coordinator, 'grpc')).toEqual(workers);
    expect(admitted(pods.minio, 's3')).toEqual(['coordinator', 'serve']);
    expect(admitted(pods.minio, 'console')).toEqual([]);
    // HTTP (token-protected /metrics and /queue-depth; serve's API) from any namespace: KEDA and Prometheus live elsewhere.
    for (const target of [pods.coordinator, pods.serve, ...workers.map((w) => pods[w as 'worker'])]) expect(admitted(target, 'http')).toEqual(Object.keys(pods).sort());
  });

  it('runs Redis with requirepass from the Secret whose REDIS_URL the coordinator and the workers use', () => {
    const redis = overlay.workload('StatefulSet', 'metatrain-redis').spec.template.spec.containers[0]!;
    const args = redis.args ?? [];
    expect(args[args.indexOf('--requirepass') + 1]).toBe('$(REDISCLI_AUTH)'); // the kubelet expands it from env
    const password = overlay.env(redis).REDISCLI_AUTH;
    expect(password).toBe(overlay.key('Secret', 'metatrain-secrets', 'REDIS_PASSWORD'));
    const coordinatorEnv = overlay.env(overlay.container('metatrain-coordinator', 'coordinator'));
    const workerEnv = overlay.env(overlay.container('metatrain-worker', 'worker'));
    for (const env of [coordinatorEnv, workerEnv]) expect(new URL(env.REDIS_URL ?? '').password).toBe(password);
  });

  it('refuses to start with the committed Secret template', () => {
    const template = RenderedOverlay.render(name, [], { madeSecrets: false });
    const coordinatorEnv = template.env(template.container('metatrain-coordinator', 'coordinator'));
    expect(() => coordinatorOptionsFromEnv(coordinatorEnv)).toThrow(/^METATRAIN_TOKEN: is a placeholder/);
    expect(() => workerOptionsFromEnv(template.env(template.container('metatrain-worker', 'worker')))).toThrow(/^METATRAIN_TOKEN: is a placeholder/);
  });

  it.each([[], ...OPT_IN_COMPONENTS.map((c) => [c])] as const)('labels every object with its instance and version, and selects by instance (with %s)', (...components) => {
    const rendered = components.length === 0 ? overlay : RenderedOverlay.render(name, components);
    for (const o of rendered.objects) {
      expect(o.metadata.labels?.[INSTANCE], `${o.kind} ${o.metadata.name}`).toBe('metatrain');
      expect(o.metadata.labels?.[VERSION], `${o.kind} ${o.metadata.name}`).toBe(RELEASE);
    }
    for (const workload of rendered.workloads()) expect(workload.spec.selector.matchLabels?.[INSTANCE], workload.metadata.name).toBe('metatrain');
    for (const service of rendered.ofKind<K8sObject & { spec: { selector?: Labels } }>('Service')) expect(service.spec.selector?.[INSTANCE], service.metadata.name).toBe('metatrain');
    const pdb = rendered.get<K8sObject & { spec: { selector: { matchLabels: Labels } } }>('PodDisruptionBudget', 'metatrain-worker');
    expect(pdb.spec.selector.matchLabels[INSTANCE]).toBe('metatrain');
    for (const policy of rendered.ofKind<NetworkPolicy>('NetworkPolicy')) {
      const peers = (policy.spec.ingress ?? []).flatMap((rule) => rule.from ?? []).filter((peer) => peer.podSelector);
      for (const selector of [policy.spec.podSelector, ...peers.map((peer) => peer.podSelector)]) expect(selector?.matchLabels?.[INSTANCE], policy.metadata.name).toBe('metatrain');
    }
  });

  it('keeps a second install\'s pods out of this one\'s selectors', () => {
    const other = (labels: Labels | undefined) => ({ ...labels, [INSTANCE]: 'metatrain-b' });
    for (const labels of Object.values(pods)) {
      for (const o of overlay.objects) {
        const selector = (o.spec as { selector?: { matchLabels?: Labels } & Labels } | undefined)?.selector;
        expect(selects(selector?.matchLabels ?? (selector as Labels | undefined), other(labels)), `${o.kind} ${o.metadata.name}`).toBe(false);
      }
      expect(policyOf(other(labels))).toEqual([]);
    }
  });
});
