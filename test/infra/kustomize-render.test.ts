import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKubectl, kubectlKustomize, renderKustomization } from './support/kustomize';
import { INFRA, type K8sObject } from './support/yaml-files';

// The other infra tests read overlays through renderOverlay: kubectl's rendering where kubectl
// is installed, the test renderer elsewhere. Here both must give the same objects.

const kubectl = findKubectl();
const byKey = (objects: K8sObject[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

describe.each(['cpu', 'gpu'])('overlay %s', (overlay) => {
  const dir = join(INFRA, 'k8s', 'overlays', overlay);

  it('renders with the test renderer', () => {
    const kinds = renderKustomization(dir).map((o) => o.kind);
    for (const kind of ['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'StatefulSet', 'Service', 'PodDisruptionBudget', 'ScaledObject', 'TriggerAuthentication']) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it(`renders with kubectl kustomize ${kubectl ? `(${kubectl})` : '(not installed here: the test renderer stands in)'} to the same objects`, () => {
    if (!kubectl) return; // nothing to compare with; the renderer's output is checked by the other tests
    expect(byKey(renderKustomization(dir))).toEqual(byKey(kubectlKustomize(kubectl, dir)));
  });
});
