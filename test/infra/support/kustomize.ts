import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { isK8sObject, parseYamlText, readYamlDocuments, readYamlMapping, type K8sObject } from './yaml-files';

// Renders infra/k8s overlays: with `kubectl kustomize` where kubectl is installed, and with
// the small renderer below everywhere, so that every check runs on every machine. Where
// kubectl is installed, test/infra/kustomize-render.test.ts proves the two agree.

/** `kubectl` on PATH, or undefined. */
export function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'kubectl');
    if (dir !== '' && existsSync(path) && statSync(path).isFile()) return path;
  }
  return undefined;
}

/** `kubectl kustomize dir`, parsed. Throws with kubectl's message when it fails. */
export function kubectlKustomize(kubectl: string, dir: string): K8sObject[] {
  const text = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseYamlText(text, `kubectl kustomize ${dir}`).filter(isK8sObject);
}

/** Renders `dir` with kubectl when installed, else with {@link renderKustomization}. */
export function renderOverlay(dir: string): K8sObject[] {
  const kubectl = findKubectl();
  return kubectl ? kubectlKustomize(kubectl, dir) : renderKustomization(dir);
}

/**
 * Renders overlay `dir` with `components` (directories) added to its own list, as a user opts in
 * to one: the overlay's files copied to a temporary directory, their paths to other directories
 * pointed back at the repository, the components appended; rendered by `render`, then removed.
 */
export function renderOverlayWith(dir: string, components: string[], render: (dir: string) => K8sObject[] = renderOverlay): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'overlay-'));
  try {
    cpSync(dir, copy, { recursive: true });
    const k = readYamlMapping(join(dir, 'kustomization.yaml'));
    // Files were copied along (kustomize loads files from within the root only); directories stay where they are.
    const repoint = (entry: string) => (statSync(resolve(dir, entry)).isDirectory() ? relative(copy, resolve(dir, entry)) : entry);
    k.resources = ((k.resources as string[] | undefined) ?? []).map(repoint);
    k.components = [...((k.components as string[] | undefined) ?? []), ...components].map(repoint);
    writeFileSync(join(copy, 'kustomization.yaml'), stringify(k));
    return render(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The part of kustomize these manifests use: `resources` (files and directories),
 * `components` (whose patches apply to what the including kustomization has so far),
 * `namespace`, `labels` (`includeTemplates`; `includeSelectors` on the selectors these manifests have), `images`, strategic-merge
 * `patches` (lists of named items merged by name, `null` deleting a field) and
 * `configMapGenerator` of `files` without a name hash. Anything else in
 * a kustomization throws, so the renderer cannot silently ignore what kubectl would apply.
 * `into` is the including kustomization's objects when `dir` is a component.
 */
export function renderKustomization(dir: string, into: K8sObject[] = []): K8sObject[] {
  const k = readYamlMapping(join(dir, 'kustomization.yaml'));
  const known = new Set(['apiVersion', 'kind', 'resources', 'components', 'namespace', 'labels', 'images', 'patches', 'configMapGenerator']);
  for (const key of Object.keys(k)) if (!known.has(key)) throw new Error(`${dir}: the test renderer does not implement "${key}"`);
  const objects = into;
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...readYamlDocuments(path).filter(isK8sObject));
  }
  objects.push(...((k.configMapGenerator as ConfigMapGenerator[] | undefined) ?? []).map((g) => generateConfigMap(dir, g)));
  // A component transforms the objects accumulated so far: its patches reach the base's objects.
  for (const entry of (k.components as string[] | undefined) ?? []) renderKustomization(join(dir, entry), objects);
  if (typeof k.namespace === 'string') {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const spec of (k.labels as Array<{ pairs: Record<string, string>; includeTemplates?: boolean; includeSelectors?: boolean }> | undefined) ?? []) {
    for (const o of objects) {
      o.metadata.labels = { ...o.metadata.labels, ...spec.pairs };
      if (spec.includeSelectors) for (const selector of selectorsOf(o)) Object.assign(selector, spec.pairs);
      if (!spec.includeTemplates && !spec.includeSelectors) continue;
      // Pod templates and a StatefulSet's claim templates, as kustomize's template field specs.
      const claims = ((o.spec as Json | undefined)?.volumeClaimTemplates as Json[] | undefined) ?? [];
      for (const template of [podTemplate(o), ...claims]) {
        if (template) template.metadata = { ...(template.metadata as Json), labels: { ...((template.metadata as Json | undefined)?.labels as Json), ...spec.pairs } };
      }
    }
  }
  for (const image of (k.images as Array<{ name: string; newName?: string; newTag?: string }> | undefined) ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      const [name, tag] = splitImage(String(container.image));
      if (name === image.name) container.image = `${image.newName ?? name}${image.newTag ?? tag ? `:${image.newTag ?? tag}` : ''}`;
    }
  }
  for (const patch of (k.patches as Array<{ path: string }> | undefined) ?? []) {
    const [doc] = readYamlDocuments(join(dir, patch.path));
    if (!isK8sObject(doc)) throw new Error(`${patch.path}: not an object`);
    const target = objects.find((o) => o.kind === doc.kind && o.metadata.name === doc.metadata.name);
    if (!target) throw new Error(`${patch.path}: no ${doc.kind} ${doc.metadata.name} to patch`);
    Object.assign(target, strategicMerge(target, doc));
  }
  return objects;
}

/** The part of a `configMapGenerator` entry these manifests use. */
interface ConfigMapGenerator {
  name: string;
  files: string[];
  options?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> };
}

/** A generated ConfigMap: each `key=path` (or `path`, keyed by its file name) read from `dir`. */
function generateConfigMap(dir: string, g: ConfigMapGenerator): K8sObject {
  const { files, name, options, ...rest } = g;
  if (Object.keys(rest).length > 0 || !options?.disableNameSuffixHash) throw new Error(`${dir}: the test renderer implements configMapGenerator with files and disableNameSuffixHash only`);
  const data = Object.fromEntries(
    files.map((entry) => {
      const [key, path] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [basename(entry), entry];
      return [key, readFileSync(join(dir, path), 'utf8')];
    }),
  );
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(options.labels ? { labels: { ...options.labels } } : {}) }, data };
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ClusterTriggerAuthentication', 'PersistentVolume', 'StorageClass']);

/**
 * The label selectors of `o` that kustomize's `includeSelectors` extends, as maps to add pairs
 * to: a workload's and a PodDisruptionBudget's matchLabels, a Service's selector, a
 * NetworkPolicy's pod selectors (its own and those of its ingress and egress peers).
 */
function selectorsOf(o: K8sObject): Json[] {
  const spec = (o.spec ?? {}) as Json;
  const matchLabels = (selector: unknown) => (isMap(selector) && isMap(selector.matchLabels) ? [selector.matchLabels] : []);
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'PodDisruptionBudget':
      return matchLabels(spec.selector);
    case 'Service':
      return isMap(spec.selector) ? [spec.selector] : [];
    case 'NetworkPolicy': {
      const rules = [...((spec.ingress as Json[] | undefined) ?? []).map((r) => r.from), ...((spec.egress as Json[] | undefined) ?? []).map((r) => r.to)];
      const peers = rules.flatMap((peers) => (Array.isArray(peers) ? (peers as Json[]) : []));
      return [...matchLabels(spec.podSelector), ...peers.flatMap((peer) => matchLabels(peer.podSelector))];
    }
    default:
      return [];
  }
}

/** The pod template of a workload, if it has one. */
export function podTemplate(o: K8sObject): Json | undefined {
  const spec = o.spec as Json | undefined;
  return isMap(spec?.template) ? spec.template : undefined;
}

/** The containers (and init containers) of a workload's pod template. */
export function containersOf(o: K8sObject): Json[] {
  const pod = podTemplate(o)?.spec as Json | undefined;
  return [...((pod?.initContainers as Json[] | undefined) ?? []), ...((pod?.containers as Json[] | undefined) ?? [])];
}

/** `registry/name:tag` → [`registry/name`, `tag` or undefined] (digests are not used here). */
export function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

// The merge keys of the lists a patch may name (Kubernetes' patchMergeKey for each).
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', env: 'name', volumes: 'name', ports: 'containerPort', volumeMounts: 'mountPath' };

function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isMap(base) && isMap(patch)) {
    const out: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key]; // `field: null` removes the field
      else out[key] = key in base ? strategicMerge(base[key], value, key) : value;
    }
    return out;
  }
  const mergeKey = MERGE_KEYS[field];
  if (Array.isArray(base) && Array.isArray(patch) && mergeKey) {
    // In kustomize's order: the patch's items (merged into the base's of the same key), then the base's others.
    const sameKey = (a: unknown, b: unknown) => isMap(a) && isMap(b) && a[mergeKey] === b[mergeKey];
    const patched = patch.map((p: unknown) => {
      const match = base.find((b: unknown) => sameKey(b, p));
      return match === undefined ? strategicMerge({}, p, '') : strategicMerge(match, p, '');
    });
    return [...patched, ...base.filter((b: unknown) => !patch.some((p: unknown) => sameKey(b, p)))];
  }
  return patch;
}
