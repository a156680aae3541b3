import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKubectl, kubectlKustomize, renderKustomization, renderOverlayWith } from './support/kustomize';
import { OPT_IN_COMPONENTS } from './support/overlay';
import { INFRA, readYamlMapping, type K8sObject } from './support/yaml-files';

// The other infra tests read overlays through renderOverlay: kubectl's rendering where kubectl
// is installed, the test renderer elsewhere. Here both must give the same objects, for the
// overlays as they stand and with each opt-in component added.

const kubectl = findKubectl();
const byKey = (objects: K8sObject[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
const componentDir = (name: string) => join(INFRA, 'k8s', 'components', name);

describe.each(['cpu', 'gpu'])('overlay %s', (overlay) => {
  const dir = join(INFRA, 'k8s', 'overlays', overlay);

  it('renders with the test renderer', () => {
    const kinds = renderKustomization(dir).map((o) => o.kind);
    for (const kind of ['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'StatefulSet', 'Service', 'PodDisruptionBudget', 'ScaledObject', 'TriggerAuthentication']) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it('includes none of the opt-in components, which need what not every cluster has (docs/DEPLOY.md)', () => {
    const included = ((readYamlMapping(join(dir, 'kustomization.yaml')).components as string[] | undefined) ?? []).map((c) => basename(c));
    expect(included.filter((c) => (OPT_IN_COMPONENTS as readonly string[]).includes(c))).toEqual([]);
    const objects = renderKustomization(dir);
    // data-volume's claim (ReadWriteMany), service-monitor's and monitoring's CRDs, dataset-prefetch's init containers.
    expect(objects.filter((o) => ['PersistentVolumeClaim', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(o.kind))).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('initContainers');
  });

  it(`renders with kubectl kustomize ${kubectl ? `(${kubectl})` : '(not installed here: the test renderer stands in)'} to the same objects`, () => {
    if (!kubectl) return; // nothing to compare with; the renderer's output is checked by the other tests
    expect(byKey(renderKustomization(dir))).toEqual(byKey(kubectlKustomize(kubectl, dir)));
  });

  it.each(OPT_IN_COMPONENTS)('renders with components/%s added, the same with kubectl and the test renderer', (component) => {
    const withTestRenderer = renderOverlayWith(dir, [componentDir(component)], (d) => renderKustomization(d));
    expect(byKey(withTestRenderer)).not.toEqual(byKey(renderKustomization(dir))); // the component changed something
    if (kubectl) expect(byKey(withTestRenderer)).toEqual(byKey(renderOverlayWith(dir, [componentDir(component)], (d) => kubectlKustomize(kubectl, d))));
  });
});
