import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPT_IN_COMPONENTS, RenderedOverlay } from './support/overlay';
import { kindOf, schemaError } from './support/schemas';
import { strictFieldErrors } from './support/strict-fields';
import { INFRA, isK8sObject, readYamlDocuments, readYamlMapping, REPO, yamlFilesUnder, type K8sObject } from './support/yaml-files';

// Every object under infra/k8s, as written and as the overlays render it (as they stand and
// with each opt-in component added), against the Kubernetes, KEDA and Prometheus Operator
// schemas, and against their TypeScript types for fields the schemas let through.

const K8S = join(INFRA, 'k8s');
const OVERLAYS = ['cpu', 'gpu'];

/** Files that kustomizations name as patches: partial objects, checked once applied. */
const patchFiles = new Set(
  yamlFilesUnder(K8S)
    .filter((f) => f.endsWith('kustomization.yaml'))
    .flatMap((f) => ((readYamlMapping(f).patches as Array<{ path: string }> | undefined) ?? []).map((p) => join(f, '..', p.path))),
);

const written: Array<{ label: string; object: K8sObject }> = yamlFilesUnder(K8S)
  .filter((f) => !patchFiles.has(f))
  .flatMap((f) => readYamlDocuments(f).filter(isK8sObject).map((object) => ({ label: `${relative(REPO, f)}: ${object.kind} ${object.metadata.name}`, object })));
const rendered = OVERLAYS.flatMap((overlay) => [RenderedOverlay.render(overlay), ...OPT_IN_COMPONENTS.map((c) => RenderedOverlay.render(overlay, [c]))]).flatMap(({ name, objects }) =>
  objects.map((object) => ({ label: `overlay ${name}: ${object.kind} ${object.metadata.name}`, object })),
);
const all = [...written, ...rendered];

describe('infra/k8s manifests', () => {
  it('are all Kubernetes objects of a known kind, and every file holds at least one', () => {
    expect(written.length).toBeGreaterThanOrEqual(14);
    for (const f of yamlFilesUnder(K8S).filter((f) => !f.endsWith('kustomization.yaml'))) {
      expect(readYamlDocuments(f).every(isK8sObject), relative(REPO, f)).toBe(true);
    }
    for (const { object } of all) expect(() => kindOf(object)).not.toThrow();
  });

  it('validate against the Kubernetes and CRD schemas, as written and as rendered', () => {
    const errors = all.map(({ label, object }) => [label, schemaError(object)]).filter(([, error]) => error !== undefined);
    expect(errors).toEqual([]);
  });

  it('use no field the API types do not know, with the types they declare', () => {
    expect(strictFieldErrors(all)).toEqual([]);
  });

  it('would be refused with a wrong type, a missing required field or a misspelt field', () => {
    const deployment = rendered.find((r) => r.object.kind === 'Deployment')?.object as K8sObject;
    const scaled = rendered.find((r) => r.object.kind === 'ScaledObject')?.object as K8sObject;
    const withPort = structuredClone(deployment) as K8sObject & { spec: { template: { spec: { containers: Array<{ ports?: unknown }> } } } };
    withPort.spec.template.spec.containers[0]!.ports = [{ containerPort: '8080' }];
    expect(schemaError(withPort)).toMatch(/containerPort must be integer/);
    const noTarget = structuredClone(scaled) as K8sObject & { spec: Record<string, unknown> };
    delete noTarget.spec.scaleTargetRef;
    expect(schemaError(noTarget)).toMatch(/scaleTargetRef/);
    const misspelt = structuredClone(deployment) as K8sObject & { spec: { template: { spec: Record<string, unknown> } } };
    misspelt.spec.template.spec.terminationGracePeriodSecond = 30;
    expect(schemaError(misspelt)).toBeUndefined(); // the schema lets it through ...
    expect(strictFieldErrors([{ label: 'misspelt', object: misspelt }]).join('\n')).toMatch(/terminationGracePeriodSecond/); // ... the types do not
  });
});
