import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IService } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';
import { kubernetesSecret, makeSecrets } from '../../../scripts/make-secrets';
import { renderOverlay, renderOverlayWith } from './kustomize';
import { INFRA, type K8sObject } from './yaml-files';

export type PodSpec = NonNullable<NonNullable<IDeployment['spec']>['template']['spec']>;
export type Container = PodSpec['containers'][number];
export type ServiceSpec = NonNullable<IService['spec']>;

/** The pod template of a workload (Deployment or StatefulSet), typed. */
interface Workload extends K8sObject {
  spec: { selector: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };
}

/** A variable a container gets from `fieldRef` (the pod's own fields): shown as `<fieldRef:path>`. */
const fieldRefValue = (path: string) => `<fieldRef:${path}>`;

/** The opt-in components of infra/k8s/components, which no overlay includes as it stands. */
export const OPT_IN_COMPONENTS = ['data-volume', 'dataset-prefetch', 'monitoring', 'service-monitor'] as const;
export type OptInComponent = (typeof OPT_IN_COMPONENTS)[number];

/** One rendered overlay of infra/k8s/overlays, with lookups by kind and name. */
export class RenderedOverlay {
  private constructor(
    /** The overlay's name, with the components added to it: `cpu`, `cpu + dataset-prefetch`. */
    readonly name: string,
    readonly objects: K8sObject[],
  ) {}

  /**
   * Overlay `name` as it stands, or with opt-in `components` added to its list, as a user adds
   * them; with `madeSecrets` (the default), base/secret.yaml's placeholders — which every process
   * refuses — replaced by scripts/make-secrets.ts's output, as a user does before the first apply.
   */
  static render(name: string, components: readonly OptInComponent[] = [], { madeSecrets = true } = {}): RenderedOverlay {
    const dir = join(INFRA, 'k8s', 'overlays', name);
    const objects = components.length === 0 ? renderOverlay(dir) : renderOverlayWith(dir, components.map((c) => join(INFRA, 'k8s', 'components', c)));
    const overlay = new RenderedOverlay([name, ...components].join(' + '), objects);
    if (madeSecrets) {
      const secret = overlay.get('Secret', 'metatrain-secrets') as K8sObject & { stringData?: Record<string, string> };
      secret.stringData = (parse(kubernetesSecret(makeSecrets())) as { stringData: Record<string, string> }).stringData;
    }
    return overlay;
  }

  /** The object `kind/name`; throws naming it when the overlay lacks it. */
  get<T extends K8sObject = K8sObject>(kind: string, name: string): T {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`overlay ${this.name}: no ${kind} ${name}`);
    return found as T;
  }

  ofKind<T extends K8sObject = K8sObject>(kind: string): T[] {
    return this.objects.filter((o) => o.kind === kind) as T[];
  }

  /** Deployments and StatefulSets. */
  workloads(): Workload[] {
    return this.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as Workload[];
  }

  workload(kind: 'Deployment' | 'StatefulSet', name: string): Workload {
    return this.get<Workload>(kind, name);
  }

  /** The one container named `container` of a Deployment. */
  container(deployment: string, container: string): Container {
    const found = this.workload('Deployment', deployment).spec.template.spec.containers.find((c) => c.name === container);
    if (!found) throw new Error(`overlay ${this.name}: Deployment ${deployment} has no container ${container}`);
    return found;
  }

  /** The one init container named `container` of a Deployment. */
  initContainer(deployment: string, container: string): Container {
    const found = this.workload('Deployment', deployment).spec.template.spec.initContainers?.find((c) => c.name === container);
    if (!found) throw new Error(`overlay ${this.name}: Deployment ${deployment} has no init container ${container}`);
    return found;
  }

  /** The volume a container mounts at `mountPath`, and how: undefined when nothing is mounted there. */
  mountAt(deployment: string, container: Container, mountPath: string): { volume: NonNullable<PodSpec['volumes']>[number]; readOnly: boolean } | undefined {
    const mount = container.volumeMounts?.find((m) => m.mountPath === mountPath);
    const volume = this.workload('Deployment', deployment).spec.template.spec.volumes?.find((v) => v.name === mount?.name);
    return mount && volume ? { volume, readOnly: mount.readOnly === true } : undefined;
  }

  /** A key of a ConfigMap or Secret (stringData or base64 data); undefined when absent. */
  key(kind: 'ConfigMap' | 'Secret', name: string, key: string): string | undefined {
    const o = this.get(kind, name) as K8sObject & { data?: Record<string, string>; stringData?: Record<string, string> };
    if (o.stringData?.[key] !== undefined) return o.stringData[key];
    const data = o.data?.[key];
    if (data === undefined) return undefined;
    return kind === 'Secret' ? Buffer.from(data, 'base64').toString('utf8') : data;
  }

  /**
   * The environment a container starts with, as the kubelet resolves it: values, ConfigMap
   * and Secret keys (a missing key throws, as it stops the pod), and `fieldRef`s as
   * `<fieldRef:path>`. Only `env` is used by these manifests; `envFrom` throws.
   */
  env(container: Container): Record<string, string> {
    if (container.envFrom?.length) throw new Error(`${container.name}: envFrom is not resolved here; name each variable`);
    const env: Record<string, string> = {};
    for (const v of container.env ?? []) {
      const from = v.valueFrom;
      let value: string | undefined;
      if (from?.configMapKeyRef) value = this.key('ConfigMap', from.configMapKeyRef.name ?? '', from.configMapKeyRef.key);
      else if (from?.secretKeyRef) value = this.key('Secret', from.secretKeyRef.name ?? '', from.secretKeyRef.key);
      else if (from?.fieldRef) value = fieldRefValue(from.fieldRef.fieldPath);
      else if (from) throw new Error(`${container.name}: ${v.name} comes from something not resolved here`);
      else value = v.value ?? '';
      if (value === undefined) throw new Error(`overlay ${this.name}: ${container.name}'s ${v.name} names a key that does not exist`);
      if (v.name in env) throw new Error(`${container.name}: ${v.name} is set twice`);
      env[v.name] = value;
    }
    return env;
  }
}

/** Whether `labels` carry every pair of `selector`. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([k, v]) => labels?.[k] === v);
}
