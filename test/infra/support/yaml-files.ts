import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root (test/infra/support/../../..). */
export const REPO = join(import.meta.dirname, '..', '..', '..');
/** infra/ in the repository. */
export const INFRA = join(REPO, 'infra');

/** A Kubernetes object as parsed: only what every object has is typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Every document of a YAML file, parsed strictly: a syntax error, a duplicate key or an
 * unresolved alias throws, naming the file. Merge keys (`<<:`) are honoured, as Compose does.
 */
export function readYamlDocuments(path: string): unknown[] {
  return parseYamlText(readFileSync(path, 'utf8'), relative(REPO, path));
}

/** {@link readYamlDocuments} of text in memory; `label` names it in errors. */
export function parseYamlText(text: string, label: string): unknown[] {
  return parseAllDocuments(text, { merge: true, uniqueKeys: true })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${label}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

/** One YAML document that must be a mapping. */
export function readYamlMapping(path: string): Record<string, unknown> {
  const [doc, ...rest] = readYamlDocuments(path);
  if (rest.length > 0 || typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${relative(REPO, path)}: expected one mapping`);
  return doc as Record<string, unknown>;
}

/** Every *.yaml file under `dir`, recursively, sorted. */
export function yamlFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...yamlFilesUnder(path));
    else if (entry.endsWith('.yaml') || entry.endsWith('.yml')) files.push(path);
  }
  return files;
}

/** Whether a parsed document is a Kubernetes object (kustomization files are not). */
export function isK8sObject(doc: unknown): doc is K8sObject {
  const d = doc as Partial<K8sObject> | null;
  return typeof d?.apiVersion === 'string' && typeof d.kind === 'string' && !d.apiVersion.startsWith('kustomize.config.k8s.io/');
}
